import { randomUUID } from 'node:crypto';

import { headerText } from '@orderpulse/contracts';

import { DeadLetterHeader, originalHeaders, ReplayedFromHeader } from './dead-letter';
import { EventProducer } from './event-producer';
import type { KafkaClient } from './kafka-client';

export interface ReplayFilter {
  /** Only entries of this CloudEvents type. */
  type?: string;
  /** Only entries with this message key (aggregate id). */
  key?: string;
}

export interface ReplayResult {
  scanned: number;
  replayed: number;
  entries: { partition: number; offset: string; key: string | undefined; type: string | undefined; reason: string | undefined }[];
}

/**
 * Sends dead-lettered messages back to the topic they came from, unchanged but for a
 * `x-replayed-from` header, so the consumers that failed them try again. Reads the
 * dead-letter topic up to where it ended when the replay began; consumers are idempotent,
 * so replaying an entry twice is harmless.
 */
export async function replayDeadLetters(
  client: KafkaClient,
  dlqTopic: string,
  filter: ReplayFilter = {},
  options: { dryRun?: boolean } = {},
): Promise<ReplayResult> {
  const admin = client.kafka.admin();
  await admin.connect();
  const ends = new Map<number, bigint>();
  try {
    for (const p of await admin.fetchTopicOffsets(dlqTopic)) {
      if (BigInt(p.high) > BigInt(p.low)) ends.set(p.partition, BigInt(p.high));
    }
  } finally {
    await admin.disconnect();
  }
  const result: ReplayResult = { scanned: 0, replayed: 0, entries: [] };
  if (ends.size === 0) return result;

  const groupId = `orderpulse.dlq-replay.${randomUUID()}`;
  const consumer = client.kafka.consumer({ groupId, allowAutoTopicCreation: false });
  const producer = new EventProducer(client);
  await producer.connect();
  await consumer.connect();
  let finish: () => void = () => undefined;
  let fail: (error: unknown) => void = () => undefined;
  const finished = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  try {
    await consumer.subscribe({ topics: [dlqTopic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const end = ends.get(partition);
        if (end === undefined || BigInt(message.offset) >= end) return;
        result.scanned += 1;
        const key = message.key?.toString('utf8');
        const type = headerText(message.headers, 'ce_type');
        const matches = (!filter.type || filter.type === type) && (!filter.key || filter.key === key);
        const target = headerText(message.headers, DeadLetterHeader.originalTopic);
        if (matches && target) {
          if (!options.dryRun) {
            await producer.forward([
              {
                topic: target,
                key: message.key,
                value: message.value,
                headers: { ...originalHeaders(message.headers), [ReplayedFromHeader]: `${dlqTopic}/${partition}/${message.offset}` },
              },
            ]);
          }
          result.replayed += 1;
          result.entries.push({ partition, offset: message.offset, key, type, reason: headerText(message.headers, DeadLetterHeader.reason) });
        }
        if (BigInt(message.offset) + 1n >= end) {
          ends.delete(partition);
          if (ends.size === 0) finish();
        }
      },
    }).catch(fail);
    await finished;
  } finally {
    await consumer.disconnect();
    await producer.disconnect();
    const admin2 = client.kafka.admin();
    await admin2.connect();
    await admin2.deleteGroups([groupId]).catch(() => undefined);
    await admin2.disconnect();
  }
  return result;
}
