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
  /** Set while a relay holds the document; compared and set, so one relay holds it at a time. */
  outboxLeaseUntil?: Date;
}

/**
 * The indexes the relay needs. Lookups are shaped so that MongoDB and the local
 * wire-compatible server (which uses an index only when a query names exactly its keys)
 * both answer them from an index: the lease is taken and released by `{ _id, outboxLeaseUntil }`.
 */
export async function ensureOutboxIndexes(collection: mongo.Collection): Promise<void> {
  await collection.createIndex({ 'outbox.id': 1 }, { name: 'outbox_pending', sparse: true });
  await collection.createIndex({ _id: 1, outboxLeaseUntil: 1 }, { name: 'outbox_lease', unique: true });
}

function entries(events: readonly OutgoingEvent[]): OutboxEntry[] {
  return events.map(({ topic, event }) => ({ id: event.id, topic, event }));
}

/**
 * Adds events to a document update, so that the state change and its events are one atomic
 * single-document write. Use it for every write that changes state:
 * `collection.updateOne({ _id, version }, withEvents({ $set: {...}, $inc: { version: 1 } }, events))`.
 */
export function withEvents(update: mongo.Document, events: readonly OutgoingEvent[]): mongo.Document {
  if (events.length === 0) return update;
  const push = (update.$push ?? {}) as Record<string, unknown>;
  return { ...update, $push: { ...push, outbox: { $each: entries(events) } } };
}

/** The outbox field of a new document, for inserts that publish events. */
export function outboxForInsert(events: readonly OutgoingEvent[]): OutboxFields {
  return events.length === 0 ? {} : { outbox: entries(events) };
}
