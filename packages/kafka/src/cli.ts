#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { kafkaConnectionFromEnv } from './connection-env';
import { replayDeadLetters } from './dlq-replay';
import { KafkaClient } from './kafka-client';
import { applyTopics, plannedTopics, type TopicsFile } from './topic-admin';

const usage = `usage:
  orderpulse-kafka topics apply <topics.json>
  orderpulse-kafka dlq replay <topic>.dlq [--type <ce_type>] [--key <key>] [--dry-run]
Brokers come from KAFKA_BROKERS (comma-separated); KAFKA_SSL=true for TLS (KAFKA_SSL_CA_FILE for a
private CA); KAFKA_SASL_MECHANISM (plain, scram-sha-256, scram-sha-512) with KAFKA_SASL_USERNAME and
KAFKA_SASL_PASSWORD for SASL.`;

function client(): KafkaClient {
  return new KafkaClient(kafkaConnectionFromEnv(process.env, 'orderpulse-cli'));
}

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { type: { type: 'string' }, key: { type: 'string' }, 'dry-run': { type: 'boolean' } },
  });
  const [area, verb, target] = positionals;
  if (area === 'topics' && verb === 'apply' && target) {
    const file = JSON.parse(readFileSync(target, 'utf8')) as TopicsFile;
    const report = await applyTopics(client(), plannedTopics(file));
    process.stdout.write(
      `topics: ${report.created.length} created, ${report.grown.length} grown, ${report.reconfigured.length} reconfigured, ${report.unchanged.length} unchanged (${report.brokers} broker${report.brokers === 1 ? '' : 's'})\n`,
    );
    return 0;
  }
  if (area === 'dlq' && verb === 'replay' && target) {
    const result = await replayDeadLetters(
      client(),
      target,
      { ...(values.type ? { type: values.type } : {}), ...(values.key ? { key: values.key } : {}) },
      { dryRun: values['dry-run'] === true },
    );
    for (const e of result.entries) {
      process.stdout.write(
        `${values['dry-run'] ? 'would replay' : 'replayed'} ${target}/${e.partition}/${e.offset} key=${e.key ?? ''} type=${e.type ?? ''} reason=${e.reason ?? ''}\n`,
      );
    }
    process.stdout.write(
      `${result.replayed} of ${result.scanned} entries ${values['dry-run'] ? 'would be ' : ''}replayed\n`,
    );
    return 0;
  }
  process.stderr.write(`${usage}\n`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`orderpulse-kafka: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
