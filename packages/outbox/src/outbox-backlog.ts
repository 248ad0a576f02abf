import type { mongo } from 'mongoose';

import type { OutboxEntry } from './outbox';
import type { StoredDocument } from './versioned-collection';

/** What waits in one collection's outboxes to be relayed. */
export interface OutboxBacklog {
  /** Events written and not yet acknowledged by Kafka. */
  pendingEvents: number;
  /** Documents holding them. */
  pendingDocuments: number;
  /** Age of the oldest waiting event (from its CloudEvents `time`), in seconds; 0 when none waits. */
  oldestAgeSeconds: number;
}

/**
 * Reads a collection's outbox backlog through the relay's own `outbox_pending` index. A backlog
 * that grows, or an oldest entry that ages, means events are not reaching Kafka: the relay is
 * down, the broker refuses, or a document is stuck under a lease.
 */
export async function outboxBacklog(
  collection: mongo.Collection<StoredDocument>,
  now: Date = new Date(),
): Promise<OutboxBacklog> {
  const docs = await collection
    .find({ 'outbox.id': { $exists: true } }, { projection: { 'outbox.event.time': 1 } })
    .toArray();
  let pendingEvents = 0;
  let oldest = Number.POSITIVE_INFINITY;
  for (const doc of docs) {
    const entries = (doc.outbox ?? []) as OutboxEntry[];
    pendingEvents += entries.length;
    for (const entry of entries) {
      const time = Date.parse(entry.event.time);
      if (!Number.isNaN(time)) oldest = Math.min(oldest, time);
    }
  }
  const pendingDocuments = docs.filter((d) => ((d.outbox ?? []) as unknown[]).length > 0).length;
  return {
    pendingEvents,
    pendingDocuments,
    oldestAgeSeconds: Number.isFinite(oldest) ? Math.max(0, (now.getTime() - oldest) / 1000) : 0,
  };
}
