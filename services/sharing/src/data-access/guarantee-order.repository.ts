import type { OutgoingEvent } from '@orderpulse/contracts';
import { type StoredDocument, type StoredFilter, VersionedCollection } from '@orderpulse/outbox';
import { asTenant, type TenantId } from '@orderpulse/service-kit';
import type mongoose from 'mongoose';

import type { GuaranteeOrder, HistoryEntry } from '../domain/guarantee-order';

/** Lines of history kept per order; the oldest go first. */
const HISTORY = 300;

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
  /** The collection itself, for the outbox relay that publishes its events (`outboxRelayOf`). */
  readonly store: VersionedCollection<GuaranteeOrder, 'orderId'>;
  readonly collection: mongoose.mongo.Collection<StoredDocument>;

  constructor(db: mongoose.mongo.Db) {
    this.store = new VersionedCollection<GuaranteeOrder, 'orderId'>(db, 'guarantee_orders', {
      id: 'orderId',
      revive: (order) => ({ ...order, orgId: asTenant(order.orgId) }),
    });
    this.collection = this.store.collection;
  }

  async createIndexes(): Promise<void> {
    await this.store.ensureIndexes();
    // Shaped to the queries below, because the local server uses an index only when a query names exactly its keys.
    await this.collection.createIndex({ _id: 1, orgId: 1 }, { name: 'by_tenant', unique: true });
    await this.collection.createIndex({ orgId: 1, 'shares.id': 1 }, { name: 'by_second_order' });
    await this.collection.createIndex({ orgId: 1, 'shares.targetId': 1 }, { name: 'by_share_target' });
    await this.collection.createIndex({ orgId: 1, ownerId: 1 }, { name: 'by_owner' });
    await this.collection.createIndex({ orgId: 1, status: 1, typeRank: 1, effectiveAt: 1 }, { name: 'shareable' });
    await this.collection.createIndex({ 'shares.status': 1 }, { name: 'pending_shares' });
  }

  /** Inserts a new order with its events; an order with the same id already there is returned instead. */
  async insert(
    order: GuaranteeOrder,
    events: readonly OutgoingEvent[],
  ): Promise<{ created: boolean; order: GuaranteeOrder }> {
    const { created, entity } = await this.store.insert(order, events);
    return { created, order: entity };
  }

  async get(orgId: TenantId, orderId: string): Promise<GuaranteeOrder | undefined> {
    return this.store.findOne({ _id: orderId, orgId });
  }

  /** The original order a second order (a share) belongs to. */
  async bySecondOrder(orgId: TenantId, shareId: string): Promise<GuaranteeOrder | undefined> {
    return this.store.findOne({ orgId, 'shares.id': shareId });
  }

  /** Applies a change if the organisation's order is still at `version`; undefined when another change got there first. */
  async update(
    orgId: TenantId,
    orderId: string,
    version: number,
    change: OrderChange,
    events: readonly OutgoingEvent[],
  ): Promise<GuaranteeOrder | undefined> {
    return this.store.update(
      orderId,
      version,
      { $set: { ...change.set }, $push: { history: { $each: change.history, $slice: -HISTORY } } },
      events,
      { orgId },
    );
  }

  /**
   * Open orders of the organisation held by members other than `exceptMemberId`: highest type
   * priority first, then the longest in effect, in pages that continue after `after`.
   */
  async shareable(
    orgId: TenantId,
    exceptMemberId: string,
    limit: number,
    after?: ListPosition,
  ): Promise<GuaranteeOrder[]> {
    const filter: StoredFilter = { orgId, status: 'active', ownerId: { $ne: exceptMemberId } };
    if (after) {
      filter.$or = [
        { typeRank: { $gt: after.rank } },
        { typeRank: after.rank, effectiveAt: { $gt: after.effectiveAt } },
        { typeRank: after.rank, effectiveAt: after.effectiveAt, _id: { $gt: after.orderId } },
      ];
    }
    return this.store.find(filter, { sort: { typeRank: 1, effectiveAt: 1, _id: 1 }, limit });
  }

  async ownedBy(orgId: TenantId, ownerId: string, limit: number): Promise<GuaranteeOrder[]> {
    return this.store.find({ orgId, ownerId }, { sort: { effectiveAt: -1, _id: 1 }, limit });
  }

  /** Orders with a share for the member, whatever the share's state. */
  async sharedWith(orgId: TenantId, memberId: string, limit: number): Promise<GuaranteeOrder[]> {
    return this.store.find({ orgId, 'shares.targetId': memberId }, { sort: { effectiveAt: -1, _id: 1 }, limit });
  }

  /** Orders with a share waiting to be claimed, in pages: what the reconciler walks. */
  async *withPendingShares(pageSize = 200): AsyncGenerator<GuaranteeOrder> {
    yield* this.store.walk({ 'shares.status': 'pending' }, pageSize);
  }

  /** Orders with a share still pending whose claim window has closed by `now`: what a due pass looks at. */
  async *withDueShares(now: Date, pageSize = 200): AsyncGenerator<GuaranteeOrder> {
    yield* this.store.walk({ shares: { $elemMatch: { status: 'pending', claimDeadline: { $lte: now } } } }, pageSize);
  }

  /**
   * Brings every order's type rank in line with the configured priority. The rank only orders
   * lists, so it changes without a version or an event; a deployment with a new priority list
   * sorts by it from its start.
   */
  async rerank(priority: readonly string[]): Promise<number> {
    let changed = 0;
    for (const [rank, orderType] of priority.entries()) {
      changed += (
        await this.collection.updateMany({ orderType, typeRank: { $ne: rank } }, { $set: { typeRank: rank } })
      ).modifiedCount;
    }
    changed += (
      await this.collection.updateMany(
        { orderType: { $nin: [...priority] }, typeRank: { $ne: priority.length } },
        { $set: { typeRank: priority.length } },
      )
    ).modifiedCount;
    return changed;
  }
}
