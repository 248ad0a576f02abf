#!/usr/bin/env node
import { parseArgs } from 'node:util';

import { Topics } from '@orderpulse/contracts';
import { KafkaClient, kafkaConnectionFromEnv } from '@orderpulse/kafka';

import { collectTimeline } from './collect';
import { formatTimeline } from './timeline';

const usage = `usage: orderpulse-timeline <orderId> [--json]
Kafka from KAFKA_BROKERS (and KAFKA_SSL, KAFKA_SASL_* as for the services), KAFKA_TOPIC_PREFIX if the
deployment prefixes its topics; the services at ORDER_URL, NOTIFICATION_URL and MEDIA_URL; an admin
token in ORDERPULSE_TOKEN.`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { json: { type: 'boolean' } },
  });
  const [orderId] = positionals;
  const token = process.env.ORDERPULSE_TOKEN;
  if (!orderId || !token) {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  const prefix = process.env.KAFKA_TOPIC_PREFIX ?? '';
  const kafka = new KafkaClient(kafkaConnectionFromEnv(process.env, 'orderpulse-timeline'));
  const timeline = await collectTimeline(orderId, {
    kafka,
    topics: [Topics.orderEvents, Topics.mediaEvents, Topics.notificationEvents].map((t) => `${prefix}${t}`),
    services: {
      order: process.env.ORDER_URL,
      notification: process.env.NOTIFICATION_URL,
      media: process.env.MEDIA_URL,
    },
    authorization: `Bearer ${token}`,
  });
  process.stdout.write(values.json ? `${JSON.stringify(timeline, null, 2)}\n` : `${formatTimeline(timeline)}\n`);
  return timeline.unreadable.length > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`orderpulse-timeline: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
