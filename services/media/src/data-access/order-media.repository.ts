import type { OrderStatus, OutgoingEvent } from '@orderpulse/contracts';
import { type StoredDocument, type StoredFilter, VersionedCollection } from '@orderpulse/outbox';
import type mongoose from 'mongoose';

import { type OrderMedia, owedBy, owedSlots } from '../domain/order-media';

/** Drops undefined fields, which the driver would otherwise store as null. Dates and buffers stay as they are. */
function compact<T>(value: T): T {
  if (Array.isArray(value)) return value.map(compact) as T;
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, compact(v)]),
  ) as T;
}

/**
 * One document per order in the media service's own database: the order's facts, a slot per
 * status that owes or has an image, and the outbox. Every write is conditional on the version
 * read (`{ _id, version }`, an exact index on MongoDB and the local server alike), so two
 * instances confirming the same grant, or a photo racing its fallback, produce one outcome.
 */
export class OrderMediaRepository {
  /** The collection itself, for the outbox relay that publishes its events (`outboxRelayOf`). */
  readonly store: VersionedCollection<OrderMedia, 'orderId'>;
  readonly collection: mongoose.mongo.Collection<StoredDocument>;

  constructor(db: mongoose.mongo.Db) {
    // `owed` and `owedBy` are query keys derived from the slots, never read back.
    this.store = new VersionedCollection<OrderMedia, 'orderId'>(db, 'order_media', {
      id: 'orderId',
      hidden: { owed: 0, owedBy: 0 },
      revive: (media) => ({ ...media, slots: media.slots ?? {} }),
    });
    this.collection = this.store.collection;
  }

  async createIndexes(): Promise<void> {
    await this.store.ensureIndexes();
    // Only documents still owing an image carry `owed`, and `owedBy` (the earliest such slot's
    // time), so a reconciler pass reads just those, or just those due.
    await this.collection.createIndex({ owed: 1 }, { name: 'owed', sparse: true });
    await this.collection.createIndex({ owedBy: 1 }, { name: 'owed_by', sparse: true });
    // Documents written before `owedBy` was kept get it once.
    for (const doc of await this.collection
      .find({ owed: { $exists: true }, owedBy: { $exists: false } }, { projection: { _id: 1 } })
      .toArray()) {
      const order = await this.get(String(doc._id));
      const by = order && owedBy(order);
      if (order && by)
        await this.collection.updateOne({ _id: doc._id, version: order.version }, { $set: { owedBy: by } });
    }
  }

  async get(orderId: string): Promise<OrderMedia | undefined> {
    return this.store.get(orderId);
  }

  /**
   * Stores `next` if the stored document is still at `next.version` (0: none yet), with its events.
   * False when another writer got there first.
   */
  async save(next: OrderMedia, events: readonly OutgoingEvent[]): Promise<boolean> {
    const owed: OrderStatus[] = owedSlots(next).map((s) => s.status);
    const by = owedBy(next);
    const fields = compact({ facts: next.facts, slots: next.slots });
    const keys = by ? { owed, owedBy: by } : {};
    if (next.version === 0)
      return (await this.store.insert({ orderId: next.orderId, version: 1, ...fields }, events, keys)).created;
    const update = { $set: { ...fields, ...keys }, ...(by ? {} : { $unset: { owed: '', owedBy: '' } }) };
    return (await this.store.update(next.orderId, next.version, update, events)) !== undefined;
  }

  /** The ids of orders that still owe an image: one cursor, read in batches. */
  async *owing(pageSize = 500): AsyncGenerator<string> {
    yield* this.ids({ owed: { $exists: true } }, pageSize);
  }

  /** The ids of orders with an owed image due by `now`: what a due pass looks at. */
  async *owingBy(now: Date, pageSize = 500): AsyncGenerator<string> {
    // Also any written without `owedBy` (by an older instance during a rolling update).
    yield* this.ids(
      { $or: [{ owedBy: { $lte: now } }, { owed: { $exists: true }, owedBy: { $exists: false } }] },
      pageSize,
    );
  }

  private async *ids(filter: StoredFilter, pageSize: number): AsyncGenerator<string> {
    const cursor = this.collection
      .find(filter, { projection: { _id: 1 } })
      .sort({ _id: 1 })
      .batchSize(pageSize);
    // The driver closes the cursor when the loop ends, early or not.
    for await (const doc of cursor) yield String(doc._id);
  }
}
