import { headerText } from '@orderpulse/contracts';

import { DeadLetterHeader, originalHeaders, ReplayedFromHeader } from './dead-letter';
import { EventProducer } from './event-producer';
import type { KafkaClient } from './kafka-client';
import { scanTopic } from './topic-scan';

export interface ReplayFilter {
  /** Only entries of this CloudEvents type. */
  type?: string;
  /** Only entries with this message key (aggregate id). */
  key?: string;
}

export interface ReplayResult {
  scanned: number;
  replayed: number;
  entries: {
    partition: number;
    offset: string;
    key: string | undefined;
    type: string | undefined;
    reason: string | undefined;
  }[];
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
  const result: ReplayResult = { scanned: 0, replayed: 0, entries: [] };
  const producer = new EventProducer(client);
  await producer.connect();
  try {
    await scanTopic(client, dlqTopic, async ({ partition, offset, key: rawKey, value, headers }) => {
      result.scanned += 1;
      const key = rawKey?.toString('utf8');
      const type = headerText(headers, 'ce_type');
      const matches = (!filter.type || filter.type === type) && (!filter.key || filter.key === key);
      const target = headerText(headers, DeadLetterHeader.originalTopic);
      if (!matches || !target) return;
      if (!options.dryRun) {
        await producer.forward([
          {
            topic: target,
            key: rawKey,
            value,
            headers: { ...originalHeaders(headers), [ReplayedFromHeader]: `${dlqTopic}/${partition}/${offset}` },
          },
        ]);
      }
      result.replayed += 1;
      result.entries.push({ partition, offset, key, type, reason: headerText(headers, DeadLetterHeader.reason) });
    });
  } finally {
    await producer.disconnect();
  }
  return result;
}
