import type { OutgoingEvent } from '@orderpulse/contracts';
import type { mongo } from 'mongoose';

import type { StoredDocument } from './versioned-collection';

/** An event waiting in its aggregate's document to be relayed, under the id the relay tracks it by. */
export interface OutboxEntry extends OutgoingEvent {
  id: string;
}

/** An entry Kafka refused for good (too large, invalid), set aside with the reason so the rest flow. */
export interface QuarantinedEntry extends OutboxEntry {
  reason: string;
  quarantinedAt: Date;
}

/** Fields the outbox keeps in every aggregate document that publishes events. */
export interface OutboxFields {
  outbox?: OutboxEntry[];
  /**
   * `true` while `outbox` may hold entries: set in the same write as the events, unset by the
   * relay once the outbox is empty. The relay's sweep finds pending documents by equality on
   * this flag (from its index on MongoDB).
   */
  outboxPending?: true;
  /**
   * Set while a relay holds the document; compared and set, so one relay holds it at a time. A
   * writer whose relay is running sets it in the write that adds events, taking the lease for
   * that relay when no lease is there (see `withEvents`).
   */
  outboxLeaseUntil?: Date;
  /**
   * How many entries were ever added, counted in the same write: a relay that finds it unchanged
   * when it clears knows nothing was added since its claim, and empties the outbox in one write.
   */
  outboxAdded?: number;
  /** Entries Kafka refused for good; for an operator to look at (see the README's outbox section). */
  outboxQuarantine?: QuarantinedEntry[];
}

/** The outbox's own fields, for a repository's projection that keeps them out of what it returns. */
export const outboxFieldsHidden = {
  outbox: 0,
  outboxPending: 0,
  outboxLeaseUntil: 0,
  outboxAdded: 0,
  outboxQuarantine: 0,
} as const;

/**
 * The indexes the relay needs. What a change costs is shaped so that MongoDB and the local
 * wire-compatible server (which uses an index only when a query's fields are exactly a unique
 * index's keys, each by equality) both answer it from an index: an announced document is claimed
 * by `{ _id, outboxLeaseUntil, outboxPending }`, a swept one by `{ _id, outboxLeaseUntil }`, which
 * also releases it; and it is emptied by `{ _id, outboxLeaseUntil, outboxAdded }`. Only the sweep,
 * `{ outboxPending: true }`, is not: MongoDB answers it from `outbox_pending_flag`, the local
 * server by scanning, so the relay sweeps rarely (see `OutboxRelay`). Documents written before
 * the flag existed get it here, once, from the older `outbox.id` index.
 */
export async function ensureOutboxIndexes(collection: mongo.Collection<StoredDocument>): Promise<void> {
  await collection.createIndex({ outboxPending: 1 }, { name: 'outbox_pending_flag', sparse: true });
  await collection.createIndex({ _id: 1, outboxLeaseUntil: 1 }, { name: 'outbox_lease', unique: true });
  await collection.createIndex(
    { _id: 1, outboxLeaseUntil: 1, outboxPending: 1 },
    { name: 'outbox_claim', unique: true },
  );
  await collection.createIndex({ _id: 1, outboxLeaseUntil: 1, outboxAdded: 1 }, { name: 'outbox_clear', unique: true });
  await collection.createIndex({ 'outbox.id': 1 }, { name: 'outbox_pending', sparse: true });
  await collection.updateMany(
    { 'outbox.id': { $exists: true }, outboxPending: { $exists: false } },
    { $set: { outboxPending: true } },
  );
}

function entries(events: readonly OutgoingEvent[]): OutboxEntry[] {
  return events.map(({ topic, event }) => ({ id: event.id, topic, event }));
}

/**
 * Adds events to a document update, so that the state change and its events are one atomic
 * single-document write. Use it for every write that changes state:
 * `collection.updateOne({ _id, version }, withEvents({ $set: {...}, $inc: { version: 1 } }, events))`.
 * With `lease` (from `OutboxRelay.writeLease`), the write also takes the relay's lease on the
 * document, so the relay publishes without claiming it first (`OutboxRelay.hold`), unless another
 * lease is there, live or run out (`$min`: every lease a write offers is later than any set
 * before it): its holder, or the sweep, publishes the new entries too, and the writer announces
 * them instead. The document after the write tells which: the lease is the one offered, or not.
 */
export function withEvents(update: mongo.Document, events: readonly OutgoingEvent[], lease?: Date): mongo.Document {
  if (events.length === 0) return update;
  const push = (update.$push ?? {}) as Record<string, unknown>;
  const set = (update.$set ?? {}) as Record<string, unknown>;
  const inc = (update.$inc ?? {}) as Record<string, unknown>;
  const min = (update.$min ?? {}) as Record<string, unknown>;
  return {
    ...update,
    ...(lease ? { $min: { ...min, outboxLeaseUntil: lease } } : {}),
    $set: { ...set, outboxPending: true },
    $push: { ...push, outbox: { $each: entries(events) } },
    $inc: { ...inc, outboxAdded: events.length },
  };
}

/** The outbox fields of a new document, for inserts that publish events; `lease` as for {@link withEvents}. */
export function outboxForInsert(events: readonly OutgoingEvent[], lease?: Date): OutboxFields {
  return events.length === 0
    ? {}
    : {
        outbox: entries(events),
        outboxPending: true,
        outboxAdded: events.length,
        ...(lease ? { outboxLeaseUntil: lease } : {}),
      };
}
