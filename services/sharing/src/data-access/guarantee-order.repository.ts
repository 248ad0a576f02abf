import type { OutgoingEvent } from '@orderpulse/contracts';
import { ensureOutboxIndexes, outboxFieldsHidden, outboxForInsert, withEvents } from '@orderpulse/outbox';
import { asTenant, isDuplicateKey, type TenantId } from '@orderpulse/service-kit';
import type mongoose from 'mongoose';

import type { GuaranteeOrder, HistoryEntry } from '../domain/guarantee-order';

type Db = mongoose.mongo.Db;
type Doc = mongoose.mongo.Document;

const hidden = { ...outboxFieldsHidden } as const;

/** Lines of history kept per order; the oldest go first. */
const HISTORY = 300;

function toOrder(doc: Doc | null): GuaranteeOrder | undefined {
  if (!doc) return undefined;
  const { _id, ...rest } = doc;
  return { ...(rest as Omit<GuaranteeOrder, 'orderId'>), orderId: String(_id), orgId: asTenant(rest.orgId as string) };
}

/** Where a page of the shareable list ended: the sort keys of its last order. */
export interface ListPosition {
  rank: number;
  effectiveAt: Date;
  orderId: string;
}

/** A change to one order, applied only if the order is still at the version it was decided on. */
export interface OrderChange {
  set: Partial<Pick<GuaranteeOrder, 'status' | 'shares' | 'shareCount' | 'result'>>;
  history: HistoryEntry[];
}

/**
 * Guarantee orders in the sharing service's own database. An order's shares, and so its second
 * orders, live in its document: a share, a claim, an expiry and a processing result are each one
 * version-guarded write of one document, carrying its events in the document's outbox. Every read
 * of tenant data names the organisation.
 */
export class GuaranteeOrderRepository {
  readonly collection: mongoose.mongo.Collection;

  constructor(db: Db) {
    this.collection = db.collection('guarantee_orders');
  }

  async createIndexes(): Promise<void> {
    await ensureOutboxIndexes(this.collection);
    // Shaped to the queries below, because the local server uses an index only when a query names exactly its keys.
    await this.collection.createIndex({ _id: 1, version: 1 }, { name: 'version_guard', unique: true });
    await this.collection.createIndex({ _id: 1, orgId: 1 }, { name: 'by_tenant', unique: true });
    await this.collection.createIndex({ orgId: 1, 'shares.id': 1 }, { name: 'by_second_order' });
    await this.collection.createIndex({ orgId: 1, 'shares.targetId': 1 }, { name: 'by_share_target' });
    await this.collection.createIndex({ orgId: 1, ownerId: 1 }, { name: 'by_owner' });
    await this.collection.createIndex({ orgId: 1, status: 1, typeRank: 1, effectiveAt: 1 }, { name: 'shareable' });
    await this.collection.createIndex({ 'shares.status': 1 }, { name: 'pending_shares' });
  }

  /** Inserts a new order with its events; an order with the same id already there is returned instead. */
  async insert(order: GuaranteeOrder, events: readonly OutgoingEvent[]): Promise<{ created: boolean; order: GuaranteeOrder }> {
    const { orderId, ...rest } = order;
    try {
      await this.collection.insertOne({ _id: orderId, ...rest, ...outboxForInsert(events) } as unknown as Doc);
      return { created: true, order };
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const existing = toOrder(await this.collection.findOne({ _id: orderId } as Doc, { projection: hidden }));
      if (!existing) throw error;
      return { created: false, order: existing };
    }
  }

  async get(orgId: TenantId, orderId: string): Promise<GuaranteeOrder | undefined> {
    return toOrder(await this.collection.findOne({ _id: orderId, orgId } as Doc, { projection: hidden }));
  }

  /** The original order a second order (a share) belongs to. */
  async bySecondOrder(orgId: TenantId, shareId: string): Promise<GuaranteeOrder | undefined> {
    return toOrder(await this.collection.findOne({ orgId, 'shares.id': shareId }, { projection: hidden }));
  }

  /** Applies a change if the organisation's order is still at `version`; undefined when another change got there first. */
  async update(orgId: TenantId, orderId: string, version: number, change: OrderChange, events: readonly OutgoingEvent[]): Promise<GuaranteeOrder | undefined> {
    const update: Doc = {
      $set: { ...change.set },
      $inc: { version: 1 },
      $push: { history: { $each: change.history, $slice: -HISTORY } },
    };
    const doc = await this.collection.findOneAndUpdate({ _id: orderId, orgId, version } as Doc, withEvents(update, events), { returnDocument: 'after', projection: hidden });
    return toOrder(doc);
  }

  /**
   * Open orders of the organisation held by members other than `exceptMemberId`: highest type
   * priority first, then the longest in effect, in pages that continue after `after`.
   */
  async shareable(orgId: TenantId, exceptMemberId: string, limit: number, after?: ListPosition): Promise<GuaranteeOrder[]> {
    const filter: Doc = { orgId, status: 'active', ownerId: { $ne: exceptMemberId } };
    if (after) {
      filter.$or = [
        { typeRank: { $gt: after.rank } },
        { typeRank: after.rank, effectiveAt: { $gt: after.effectiveAt } },
        { typeRank: after.rank, effectiveAt: after.effectiveAt, _id: { $gt: after.orderId } },
      ];
    }
    const docs = await this.collection.find(filter, { projection: hidden }).sort({ typeRank: 1, effectiveAt: 1, _id: 1 }).limit(limit).toArray();
    return docs.map((d) => toOrder(d) as GuaranteeOrder);
  }

  async ownedBy(orgId: TenantId, ownerId: string, limit: number): Promise<GuaranteeOrder[]> {
    const docs = await this.collection.find({ orgId, ownerId }, { projection: hidden }).sort({ effectiveAt: -1, _id: 1 }).limit(limit).toArray();
    return docs.map((d) => toOrder(d) as GuaranteeOrder);
  }

  /** Orders with a share for the member, whatever the share's state. */
  async sharedWith(orgId: TenantId, memberId: string, limit: number): Promise<GuaranteeOrder[]> {
    const docs = await this.collection.find({ orgId, 'shares.targetId': memberId }, { projection: hidden }).sort({ effectiveAt: -1, _id: 1 }).limit(limit).toArray();
    return docs.map((d) => toOrder(d) as GuaranteeOrder);
  }

  /** Orders with a share waiting to be claimed, in pages: what the reconciler walks. */
  async *withPendingShares(pageSize = 200): AsyncGenerator<GuaranteeOrder> {
    yield* this.stream({ 'shares.status': 'pending' }, pageSize);
  }

  /** Orders with a share still pending whose claim window has closed by `now`: what a due pass looks at. */
  async *withDueShares(now: Date, pageSize = 200): AsyncGenerator<GuaranteeOrder> {
    yield* this.stream({ shares: { $elemMatch: { status: 'pending', claimDeadline: { $lte: now } } } }, pageSize);
  }

  /** One cursor read in batches: one query, not one per page. */
  private async *stream(filter: Doc, pageSize: number): AsyncGenerator<GuaranteeOrder> {
    const cursor = this.collection.find(filter, { projection: hidden }).sort({ _id: 1 }).batchSize(pageSize);
    // The driver closes the cursor when the loop ends, early or not.
    for await (const doc of cursor) yield toOrder(doc) as GuaranteeOrder;
  }


  /**
   * Brings every order's type rank in line with the configured priority. The rank only orders
   * lists, so it changes without a version or an event; a deployment with a new priority list
   * sorts by it from its start.
   */
  async rerank(priority: readonly string[]): Promise<number> {
    let changed = 0;
    for (const [rank, orderType] of priority.entries()) {
      changed += (await this.collection.updateMany({ orderType, typeRank: { $ne: rank } }, { $set: { typeRank: rank } })).modifiedCount;
    }
    changed += (await this.collection.updateMany({ orderType: { $nin: [...priority] }, typeRank: { $ne: priority.length } }, { $set: { typeRank: priority.length } })).modifiedCount;
    return changed;
  }
}
