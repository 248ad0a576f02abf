import type { OutgoingEvent } from '@orderpulse/contracts';
import { ensureOutboxIndexes, outboxFieldsHidden, outboxForInsert, withEvents } from '@orderpulse/outbox';
import { isDuplicateKey, type TenantId } from '@orderpulse/service-kit';
import type mongoose from 'mongoose';

import type { HistoryEntry, Order } from '../domain/order';

type Db = mongoose.mongo.Db;
/** An order waiting for its merchant, as a reconciler pass reads it. */
export type AwaitingOrder = Pick<Order, 'orderId' | 'version' | 'status' | 'responseDeadline' | 'placing'>;

type Doc = mongoose.mongo.Document;

const hidden = { ...outboxFieldsHidden } as const;

function toOrder(doc: Doc | null): Order | undefined {
  if (!doc) return undefined;
  const { _id, ...rest } = doc;
  return { ...(rest as Omit<Order, 'orderId'>), orderId: String(_id) };
}

/**
 * Orders in the order service's own database. Every change is a single-document write that is
 * conditional on the version read, and carries its events in the document's outbox.
 */
export class OrderRepository {
  readonly collection: mongoose.mongo.Collection;

  constructor(db: Db) {
    this.collection = db.collection('orders');
  }

  async createIndexes(): Promise<void> {
    await ensureOutboxIndexes(this.collection);
    // Lets the version-guarded write be answered from an index by MongoDB and the local server alike.
    await this.collection.createIndex({ _id: 1, version: 1 }, { name: 'version_guard', unique: true });
    await this.collection.createIndex({ status: 1, responseDeadline: 1 }, { name: 'open_by_deadline' });
    await this.collection.createIndex({ merchantId: 1, placedAt: -1 }, { name: 'by_merchant' });
    await this.collection.createIndex({ customerId: 1, placedAt: -1 }, { name: 'by_customer' });
    await this.collection.createIndex({ terminalId: 1, status: 1 }, { name: 'by_terminal' });
    await this.collection.createIndex({ status: 1, terminalId: 1 }, { name: 'by_status_terminal' });
  }

  /** Inserts a new order with its events; an order with the same id already there is returned instead. */
  async insert(order: Order, events: readonly OutgoingEvent[]): Promise<{ created: boolean; order: Order }> {
    const { orderId, ...rest } = order;
    try {
      await this.collection.insertOne({ _id: orderId, ...rest, ...outboxForInsert(events) } as unknown as Doc);
      return { created: true, order };
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const existing = await this.get(orderId);
      if (!existing) throw error;
      return { created: false, order: existing };
    }
  }

  async get(orderId: string): Promise<Order | undefined> {
    return toOrder(await this.collection.findOne({ _id: orderId } as Doc, { projection: hidden }));
  }

  /**
   * Applies a change if the order is still at `version`: the version guard makes concurrent
   * changes (a merchant's tap racing the deadline) produce exactly one outcome.
   */
  async update(
    orderId: string,
    version: number,
    change: { set: Partial<Omit<Order, 'orderId' | 'version' | 'history'>>; unset?: (keyof Order)[]; history: HistoryEntry; push?: Record<string, unknown> },
    events: readonly OutgoingEvent[],
  ): Promise<Order | undefined> {
    const update: Doc = {
      $set: { ...change.set },
      $inc: { version: 1 },
      $push: { history: change.history, ...change.push },
      ...(change.unset?.length ? { $unset: Object.fromEntries(change.unset.map((k) => [k, ''])) } : {}),
    };
    const doc = await this.collection.findOneAndUpdate({ _id: orderId, version } as Doc, withEvents(update, events), {
      returnDocument: 'after',
      projection: hidden,
    });
    return toOrder(doc);
  }

  async listForMerchant(merchantId: TenantId, statuses: readonly string[] | undefined, limit: number): Promise<Order[]> {
    const filter: Doc = { merchantId, ...(statuses?.length ? { status: { $in: statuses } } : {}) };
    const docs = await this.collection.find(filter, { projection: hidden }).sort({ placedAt: -1 }).limit(limit).toArray();
    return docs.map((d) => toOrder(d) as Order);
  }

  async listForCustomer(customerId: string, limit: number): Promise<Order[]> {
    const docs = await this.collection.find({ customerId }, { projection: hidden }).sort({ placedAt: -1 }).limit(limit).toArray();
    return docs.map((d) => toOrder(d) as Order);
  }

  async listForTerminal(terminalId: string, limit: number): Promise<Order[]> {
    const docs = await this.collection
      .find({ terminalId, status: { $nin: ['delivered'] } }, { projection: hidden })
      .sort({ placedAt: 1 })
      .limit(limit)
      .toArray();
    return docs.map((d) => toOrder(d) as Order);
  }

  /** Accepted or dispatched orders that have no terminal, oldest first by id, in pages: the assignment retry's work. */
  async *unassigned(pageSize = 200): AsyncGenerator<string> {
    // One cursor, not one query per page (each of which the local server answers by reading the collection).
    const cursor = this.collection.find({ status: { $in: ['accepted', 'dispatched'] }, terminalId: { $exists: false } } as Doc, { projection: { _id: 1 } }).sort({ _id: 1 }).batchSize(pageSize);
    // The driver closes the cursor when the loop ends, early or not.
    for await (const doc of cursor) yield String(doc._id);
  }


  /** Orders whose merchant has not answered, oldest deadline first, in pages. */
  async *awaitingResponse(pageSize = 500): AsyncGenerator<AwaitingOrder> {
    yield* this.awaiting({ status: { $in: ['new', 'connected'] } }, pageSize);
  }

  /** One cursor, read in batches of `pageSize`, soonest deadline first: one query, not one per page. */
  private async *awaiting(filter: Doc, pageSize: number): AsyncGenerator<AwaitingOrder> {
    const cursor = this.collection.find(filter, { projection: { _id: 1, version: 1, status: 1, responseDeadline: 1, placing: 1 } }).sort({ responseDeadline: 1, _id: 1 }).batchSize(pageSize);
    // The driver closes the cursor when the loop ends, early or not.
    for await (const doc of cursor) yield { orderId: String(doc._id), version: doc.version as number, status: doc.status as Order['status'], responseDeadline: doc.responseDeadline as Date, placing: doc.placing === true };
  }

}
