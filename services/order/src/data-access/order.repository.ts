import type { OutgoingEvent } from '@orderpulse/contracts';
import { type StoredDocument, VersionedCollection } from '@orderpulse/outbox';
import type { TenantId } from '@orderpulse/service-kit';
import type mongoose from 'mongoose';

import type { HistoryEntry, Order } from '../domain/order';

/** An order waiting for its merchant, as a reconciler pass reads it. */
export type AwaitingOrder = Pick<Order, 'orderId' | 'version' | 'status' | 'responseDeadline' | 'placing'>;

/** How many orders an instance remembers as it last saw them (a few KB each). */
const RECENT_ORDERS = 5_000;

/**
 * Orders in the order service's own database. Every change is a single-document write that is
 * conditional on the version read, and carries its events in the document's outbox.
 */
export class OrderRepository {
  /** The collection itself, for the outbox relay that publishes its events (`outboxRelayOf`). */
  readonly store: VersionedCollection<Order, 'orderId'>;
  readonly collection: mongoose.mongo.Collection<StoredDocument>;
  /** The orders this instance last wrote or read, least recently seen first (a Map keeps insertion order). */
  private readonly seen = new Map<string, Order>();

  constructor(db: mongoose.mongo.Db) {
    this.store = new VersionedCollection<Order, 'orderId'>(db, 'orders', { id: 'orderId' });
    this.collection = this.store.collection;
  }

  async createIndexes(): Promise<void> {
    await this.store.ensureIndexes();
    await this.collection.createIndex({ status: 1, responseDeadline: 1 }, { name: 'open_by_deadline' });
    await this.collection.createIndex({ merchantId: 1, placedAt: -1 }, { name: 'by_merchant' });
    await this.collection.createIndex({ customerId: 1, placedAt: -1 }, { name: 'by_customer' });
    await this.collection.createIndex({ terminalId: 1, status: 1 }, { name: 'by_terminal' });
    await this.collection.createIndex({ status: 1, terminalId: 1 }, { name: 'by_status_terminal' });
  }

  /** Inserts a new order with its events; an order with the same id already there is returned instead. */
  async insert(order: Order, events: readonly OutgoingEvent[]): Promise<{ created: boolean; order: Order }> {
    const { created, entity } = await this.store.insert(order, events);
    this.remember(entity.orderId, entity);
    return { created, order: entity };
  }

  /** The order as stored now. */
  async get(orderId: string): Promise<Order | undefined> {
    const order = await this.store.get(orderId);
    this.remember(orderId, order);
    return order;
  }

  /**
   * The order as this instance last wrote or read it, if it still remembers it (the last
   * {@link RECENT_ORDERS}); no read. A guess, not an answer: another instance's changes are not in
   * it. A change may decide on it because its write is conditional on the version, and one that is
   * refused, loses its race or would do nothing on it decides again on {@link get}
   * (`actOnOrder`, `assignDelivery`). Never what a reader is shown.
   */
  recent(orderId: string): Order | undefined {
    return this.seen.get(orderId);
  }

  private remember(orderId: string, order: Order | undefined): void {
    this.seen.delete(orderId);
    if (!order) return;
    this.seen.set(orderId, order);
    if (this.seen.size > RECENT_ORDERS) this.seen.delete(this.seen.keys().next().value!);
  }

  /**
   * Applies a change if the order is still at `version`: the version guard makes concurrent
   * changes (a merchant's tap racing the deadline) produce exactly one outcome.
   */
  async update(
    orderId: string,
    version: number,
    change: {
      set: Partial<Omit<Order, 'orderId' | 'version' | 'history'>>;
      unset?: (keyof Order)[];
      history: HistoryEntry;
      push?: Record<string, unknown>;
    },
    events: readonly OutgoingEvent[],
  ): Promise<Order | undefined> {
    const updated = await this.store.update(
      orderId,
      version,
      {
        $set: { ...change.set },
        $push: { history: change.history, ...change.push },
        ...(change.unset?.length ? { $unset: Object.fromEntries(change.unset.map((k) => [k, ''])) } : {}),
      },
      events,
    );
    // A lost race means what this instance remembered is stale: forget it.
    this.remember(orderId, updated);
    return updated;
  }

  async listForMerchant(
    merchantId: TenantId,
    statuses: readonly string[] | undefined,
    limit: number,
  ): Promise<Order[]> {
    return this.store.find(
      { merchantId, ...(statuses?.length ? { status: { $in: [...statuses] } } : {}) },
      { sort: { placedAt: -1 }, limit },
    );
  }

  async listForCustomer(customerId: string, limit: number): Promise<Order[]> {
    return this.store.find({ customerId }, { sort: { placedAt: -1 }, limit });
  }

  async listForTerminal(terminalId: string, limit: number): Promise<Order[]> {
    return this.store.find({ terminalId, status: { $nin: ['delivered'] } }, { sort: { placedAt: 1 }, limit });
  }

  /** Accepted or dispatched orders that have no terminal, oldest first by id, in pages: the assignment retry's work. */
  async *unassigned(pageSize = 200): AsyncGenerator<string> {
    // One cursor, not one query per page (each of which the local server answers by reading the collection).
    const cursor = this.collection
      .find({ status: { $in: ['accepted', 'dispatched'] }, terminalId: { $exists: false } }, { projection: { _id: 1 } })
      .sort({ _id: 1 })
      .batchSize(pageSize);
    // The driver closes the cursor when the loop ends, early or not.
    for await (const doc of cursor) yield String(doc._id);
  }

  /** Orders whose merchant has not answered, oldest deadline first, in pages. */
  async *awaitingResponse(pageSize = 500): AsyncGenerator<AwaitingOrder> {
    yield* this.awaiting({ status: { $in: ['new', 'connected'] } }, pageSize);
  }

  /** One cursor, read in batches of `pageSize`, soonest deadline first: one query, not one per page. */
  private async *awaiting(
    filter: mongoose.mongo.Filter<StoredDocument>,
    pageSize: number,
  ): AsyncGenerator<AwaitingOrder> {
    const cursor = this.collection
      .find(filter, { projection: { _id: 1, version: 1, status: 1, responseDeadline: 1, placing: 1 } })
      .sort({ responseDeadline: 1, _id: 1 })
      .batchSize(pageSize);
    // The driver closes the cursor when the loop ends, early or not.
    for await (const doc of cursor)
      yield {
        orderId: String(doc._id),
        version: doc.version as number,
        status: doc.status as Order['status'],
        responseDeadline: doc.responseDeadline as Date,
        placing: doc.placing === true,
      };
  }
}
