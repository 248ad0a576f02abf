#!/usr/bin/env node
// @ts-check
// Kafka's own command-line tools, of the broker's version, from their Maven Central jars: what SRE
// run against any Kafka cluster, pointed at this one.
//
//   node infra/local/kafka-tool.mjs kafka-consumer-groups --describe --all-groups
//   node infra/local/kafka-tool.mjs kafka-topics --describe --topic orderpulse.order.events
//   node infra/local/kafka-tool.mjs kafka-console-consumer --topic orderpulse.order.events.dlq --from-beginning --property print.headers=true
//
// `--bootstrap-server` comes from KAFKA_BROKERS (or the local stack's endpoints) unless given; TLS and
// SASL come from KAFKA_SSL and KAFKA_SASL_* as for the services, written to a client config file
// passed with the option each tool takes for it.
//
// Node built-ins only.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { mavenClasspath } from './maven-classpath.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');
const LOCAL = path.resolve(process.env.ORDERPULSE_LOCAL_DIR || path.join(REPO, '.local'));

/** Each tool's main class in Kafka 3.9, and the option that takes a client config file. */
export const TOOLS = {
  'kafka-topics': { main: 'org.apache.kafka.tools.TopicCommand', config: '--command-config' },
  'kafka-consumer-groups': {
    main: 'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand',
    config: '--command-config',
  },
  'kafka-console-consumer': { main: 'org.apache.kafka.tools.consumer.ConsoleConsumer', config: '--consumer.config' },
  'kafka-console-producer': { main: 'kafka.tools.ConsoleProducer', config: '--producer.config' },
  'kafka-get-offsets': { main: 'org.apache.kafka.tools.GetOffsetShell', config: '--command-config' },
  'kafka-configs': { main: 'kafka.admin.ConfigCommand', config: '--command-config' },
};

function fail(message) {
  process.stderr.write(`kafka-tool: ${message}\n`);
  process.exit(2);
}

function brokers() {
  if (process.env.KAFKA_BROKERS) return process.env.KAFKA_BROKERS;
  const file = path.join(LOCAL, 'stack.env');
  const line = fs.existsSync(file)
    ? fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .find((l) => l.startsWith('KAFKA_BROKERS='))
    : undefined;
  if (!line) fail('KAFKA_BROKERS is not set and the local stack is not running (npm run stack:up)');
  return line.slice('KAFKA_BROKERS='.length).trim();
}

/** The Java client properties for TLS and SASL, from the same environment keys the services read. */
export function clientProperties(env) {
  const lines = [];
  const ssl = env.KAFKA_SSL === 'true';
  const mechanism = env.KAFKA_SASL_MECHANISM?.toUpperCase();
  if (mechanism) {
    if (!ssl) fail('SASL without KAFKA_SSL=true would send the password in the clear');
    lines.push('security.protocol=SASL_SSL', `sasl.mechanism=${mechanism}`);
    const module =
      mechanism === 'PLAIN'
        ? 'org.apache.kafka.common.security.plain.PlainLoginModule'
        : 'org.apache.kafka.common.security.scram.ScramLoginModule';
    const quote = (value) => JSON.stringify(value ?? '');
    lines.push(
      `sasl.jaas.config=${module} required username=${quote(env.KAFKA_SASL_USERNAME)} password=${quote(env.KAFKA_SASL_PASSWORD)};`,
    );
  } else if (ssl) {
    lines.push('security.protocol=SSL');
  }
  if (ssl && env.KAFKA_SSL_CA_FILE)
    lines.push('ssl.truststore.type=PEM', `ssl.truststore.location=${env.KAFKA_SSL_CA_FILE}`);
  return lines;
}

/** @param {string[]} argv the tool's name, then its options */
async function main(argv) {
  const [name = '', ...args] = argv;
  const tool = TOOLS[name];
  if (!tool) fail(`usage: kafka-tool <${Object.keys(TOOLS).join(' | ')}> [options…]`);
  let cp;
  try {
    cp = await mavenClasspath(path.join(HERE, 'kafka-tools', 'pom.xml'), path.join(LOCAL, 'cp', 'kafka-tools.txt'));
  } catch (error) {
    fail(`${error.message}\n${error.detail ?? ''}`);
  }
  const full = [...args];
  if (!full.includes('--bootstrap-server')) full.unshift('--bootstrap-server', brokers());
  const properties = clientProperties(process.env);
  let configDir;
  if (properties.length > 0 && !full.includes(tool.config)) {
    configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-tool-'));
    const file = path.join(configDir, 'client.properties');
    fs.writeFileSync(file, `${properties.join('\n')}\n`, { mode: 0o600 });
    full.push(tool.config, file);
  }
  const log4j = `-Dlog4j.configuration=file:${path.join(HERE, 'kafka-tools', 'log4j.properties')}`;
  const result = spawnSync('java', ['-Xmx256m', log4j, '-cp', cp, tool.main, ...full], { stdio: 'inherit' });
  if (configDir) fs.rmSync(configDir, { recursive: true, force: true });
  if (result.error) fail(`java could not run: ${result.error.message}`);
  process.exit(result.status ?? 1);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main(process.argv.slice(2));
