import { randomUUID } from 'node:crypto';

import { headerText, type IncomingHeaders } from '@orderpulse/contracts';
import { Partitioners } from 'kafkajs';

import type { KafkaClient } from './kafka-client';

/** One message as a scan sees it. */
export interface ScannedMessage {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: IncomingHeaders | undefined;
  /** The broker's timestamp, milliseconds since the epoch. */
  timestamp: number;
}

/**
 * Reads the given partitions of a topic (all of them by default) from their oldest retained
 * message up to where each ended when the scan began, handing every message to `visit`. A
 * throwaway consumer group commits nothing and is deleted afterwards, so a scan changes nothing
 * any consumer sees.
 */
export async function scanTopic(
  client: KafkaClient,
  topic: string,
  visit: (message: ScannedMessage) => Promise<void> | void,
  options: { partitions?: readonly number[] } = {},
): Promise<void> {
  const admin = client.kafka.admin();
  await admin.connect();
  const ends = new Map<number, bigint>();
  try {
    for (const p of await admin.fetchTopicOffsets(topic)) {
      if (options.partitions && !options.partitions.includes(p.partition)) continue;
      if (BigInt(p.high) > BigInt(p.low)) ends.set(p.partition, BigInt(p.high));
    }
  } finally {
    await admin.disconnect();
  }
  if (ends.size === 0) return;

  const groupId = `orderpulse.scan.${randomUUID()}`;
  const consumer = client.kafka.consumer({ groupId, allowAutoTopicCreation: false });
  await consumer.connect();
  let finish: () => void = () => undefined;
  let fail: (error: unknown) => void = () => undefined;
  const finished = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer
      .run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          const end = ends.get(partition);
          if (end === undefined || BigInt(message.offset) >= end) return;
          await visit({
            topic,
            partition,
            offset: message.offset,
            key: message.key,
            value: message.value,
            headers: message.headers,
            timestamp: Number(message.timestamp),
          });
          if (BigInt(message.offset) + 1n >= end) {
            ends.delete(partition);
            if (ends.size === 0) finish();
          }
        },
      })
      .catch(fail);
    await finished;
  } finally {
    await consumer.disconnect();
    const cleanup = client.kafka.admin();
    await cleanup.connect();
    await cleanup.deleteGroups([groupId]).catch(() => undefined);
    await cleanup.disconnect();
  }
}

/**
 * The partition a key lands on among `partitions`, as the Java client and kafkajs' default
 * partitioner place it (murmur2 of the key bytes, made positive, modulo the partition count).
 */
export function partitionOfKey(key: string, partitions: number): number {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({
    partitionId,
    leader: 0,
    replicas: [0],
    isr: [0],
    partitionErrorCode: 0,
  }));
  return partitioner({ topic: '', partitionMetadata, message: { key, value: null } });
}

/**
 * Every retained message of `topic` with this key, oldest first. On a topic keyed by aggregate id
 * only the key's own partition is read; `allPartitions` reads every partition (dead-letter topics,
 * whose partitioning differs from their source's).
 */
export async function messagesWithKey(
  client: KafkaClient,
  topic: string,
  key: string,
  options: { allPartitions?: boolean } = {},
): Promise<ScannedMessage[]> {
  let partitions: number[] | undefined;
  if (!options.allPartitions) {
    const admin = client.kafka.admin();
    await admin.connect();
    try {
      const count = (await admin.fetchTopicOffsets(topic)).length;
      partitions = [partitionOfKey(key, count)];
    } finally {
      await admin.disconnect();
    }
  }
  const found: ScannedMessage[] = [];
  await scanTopic(
    client,
    topic,
    (m) => void (m.key?.toString('utf8') === key ? found.push(m) : undefined),
    partitions ? { partitions } : {},
  );
  return found.sort((a, b) => a.timestamp - b.timestamp);
}

/** A CloudEvents attribute of a scanned message (`ce_type`, `ce_id`, …), or a dead-letter header. */
export function scannedHeader(message: ScannedMessage, name: string): string | undefined {
  return headerText(message.headers, name);
}
