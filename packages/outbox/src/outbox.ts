import type { EventEnvelope } from '@orderpulse/contracts';
import type { OutgoingEvent } from '@orderpulse/kafka';
import type { mongo } from 'mongoose';

/** An event waiting in its aggregate's document to be relayed. */
export interface OutboxEntry {
  id: string;
  topic: string;
  event: EventEnvelope;
}

/** Fields the outbox keeps in every aggregate document that publishes events. */
export interface OutboxFields {
  outbox?: OutboxEntry[];
  /** Set while events wait; indexed, so the relay finds pending documents without a scan. */
  outboxPendingSince?: Date;
  outboxLeaseUntil?: Date;
}

/** The index the relay's sweep needs; create it with the collection. */
export const outboxIndex: { key: Record<string, 1>; name: string; sparse: true } = {
  key: { outboxPendingSince: 1 },
  name: 'outbox_pending',
  sparse: true,
};

/**
 * Adds events to a document update, so that the state change and its events are one atomic
 * single-document write. Use it for every write that changes state:
 * `collection.updateOne({ _id, version }, withEvents({ $set: {...}, $inc: { version: 1 } }, events))`.
 */
export function withEvents(update: mongo.Document, events: readonly OutgoingEvent[], now = new Date()): mongo.Document {
  if (events.length === 0) return update;
  const entries: OutboxEntry[] = events.map(({ topic, event }) => ({ id: event.id, topic, event }));
  const push = (update.$push ?? {}) as Record<string, unknown>;
  const min = (update.$min ?? {}) as Record<string, unknown>;
  return {
    ...update,
    $push: { ...push, outbox: { $each: entries } },
    // $min keeps the oldest pending time when events are added to a document that still has some.
    $min: { ...min, outboxPendingSince: now },
  };
}

/** The outbox fields of a new document, for inserts that publish events. */
export function outboxForInsert(events: readonly OutgoingEvent[], now = new Date()): OutboxFields {
  if (events.length === 0) return {};
  return {
    outbox: events.map(({ topic, event }) => ({ id: event.id, topic, event })),
    outboxPendingSince: now,
  };
}
