import type { IncomingHeaders } from '@orderpulse/contracts';

/** Headers a dead-letter entry carries besides the original message's own. */
export const DeadLetterHeader = {
  reason: 'x-dlq-reason',
  originalTopic: 'x-dlq-original-topic',
  originalPartition: 'x-dlq-original-partition',
  originalOffset: 'x-dlq-original-offset',
  consumerGroup: 'x-dlq-consumer-group',
  attempts: 'x-dlq-attempts',
  failedAt: 'x-dlq-failed-at',
} as const;

export const ReplayedFromHeader = 'x-replayed-from';

export interface DeadLetterFacts {
  reason: string;
  topic: string;
  partition: number;
  offset: string;
  groupId: string;
  attempts: number;
  failedAt: Date;
}

/** The original headers, flattened to single values, without any earlier dead-letter marks. */
export function originalHeaders(headers: IncomingHeaders | undefined): Record<string, Buffer | string> {
  const result: Record<string, Buffer | string> = {};
  const ours = new Set<string>([...Object.values(DeadLetterHeader), ReplayedFromHeader]);
  for (const [name, raw] of Object.entries(headers ?? {})) {
    if (ours.has(name) || raw === undefined) continue;
    const value = Array.isArray(raw) ? raw[0] : raw;
    if (value !== undefined) result[name] = value;
  }
  return result;
}

export function deadLetterHeaders(
  original: IncomingHeaders | undefined,
  facts: DeadLetterFacts,
): Record<string, Buffer | string> {
  return {
    ...originalHeaders(original),
    // Header values are bytes on the wire; keep the reason readable but bounded.
    [DeadLetterHeader.reason]: facts.reason.slice(0, 2_000),
    [DeadLetterHeader.originalTopic]: facts.topic,
    [DeadLetterHeader.originalPartition]: String(facts.partition),
    [DeadLetterHeader.originalOffset]: facts.offset,
    [DeadLetterHeader.consumerGroup]: facts.groupId,
    [DeadLetterHeader.attempts]: String(facts.attempts),
    [DeadLetterHeader.failedAt]: facts.failedAt.toISOString(),
  };
}
