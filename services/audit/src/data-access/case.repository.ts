import type { OutgoingEvent } from '@orderpulse/contracts';
import { type StoredDocument, type StoredFilter, VersionedCollection } from '@orderpulse/outbox';
import { isDuplicateKey } from '@orderpulse/service-kit';
import type mongoose from 'mongoose';

import type { AuditCase, CaseHistoryEntry, CaseStatus } from '../domain/audit-case';
import { DuplicateActiveCase } from '../domain/errors';

/**
 * `activeKey` holds `order:<orderNo>` while a case stands for its order and `case:<caseId>`
 * otherwise; its unique index lets at most one case stand for an order, on MongoDB and the
 * local server alike (no partial index needed).
 */
function activeKeyOf(c: Pick<AuditCase, 'caseId' | 'status' | 'order'>): string {
  return c.order && (c.status === 'open' || c.status === 'resubmitting' || c.status === 'resubmit_failed')
    ? `order:${c.order.orderNo}`
    : `case:${c.caseId}`;
}

export interface CaseChange {
  set: Partial<Omit<AuditCase, 'caseId' | 'version' | 'history' | 'notificationIds'>>;
  unset?: (keyof AuditCase)[];
  history: CaseHistoryEntry;
  notificationId?: string;
}

export interface CaseQuery {
  statuses?: readonly CaseStatus[] | undefined;
  reasonType?: string | undefined;
  handlerId?: string | undefined;
  /** Only cases this handler may see: theirs, their escalations, and parked ones. */
  visibleTo?: string | undefined;
  overdueAt?: Date | undefined;
  /** Where the previous page ended. */
  after?: { receivedAt: Date; caseId: string } | undefined;
  limit: number;
}

/** Audit cases. Every change is one document write, guarded by the version read, with its events in the outbox. */
export class CaseRepository {
  /** The collection itself, for the outbox relay that publishes its events (`outboxRelayOf`). */
  readonly store: VersionedCollection<AuditCase, 'caseId'>;
  readonly collection: mongoose.mongo.Collection<StoredDocument>;

  constructor(db: mongoose.mongo.Db) {
    this.store = new VersionedCollection<AuditCase, 'caseId'>(db, 'cases', { id: 'caseId', hidden: { activeKey: 0 } });
    this.collection = this.store.collection;
  }

  async createIndexes(): Promise<void> {
    await this.store.ensureIndexes();
    await this.collection.createIndex({ activeKey: 1 }, { name: 'one_active_case_per_order', unique: true });
    await this.collection.createIndex({ notificationIds: 1 }, { name: 'by_notification' });
    await this.collection.createIndex({ status: 1 }, { name: 'by_status' });
    await this.collection.createIndex({ handlerId: 1 }, { name: 'by_handler' });
    await this.collection.createIndex({ receivedAt: -1, _id: -1 }, { name: 'newest_first' });
    await this.collection.createIndex({ 'target.orderNo': 1 }, { name: 'by_target_order' });
    await this.collection.createIndex({ 'target.preOrderNo': 1 }, { name: 'by_target_pre_order' });
  }

  /**
   * Inserts a new case with its events. The same case id already there (a redelivered
   * notification) returns the stored case; another case already standing for the order
   * throws `DuplicateActiveCase`, so the caller joins that one instead.
   */
  async insert(c: AuditCase, events: readonly OutgoingEvent[]): Promise<{ created: boolean; case: AuditCase }> {
    try {
      const { created, entity } = await this.store.insert(c, events, { activeKey: activeKeyOf(c) });
      return { created, case: entity };
    } catch (error) {
      if (isDuplicateKey(error))
        throw new DuplicateActiveCase(`another case stands for order ${c.order?.orderNo ?? '?'}`);
      throw error;
    }
  }

  async get(caseId: string): Promise<AuditCase | undefined> {
    return this.store.get(caseId);
  }

  async byNotification(notificationId: string): Promise<AuditCase | undefined> {
    return this.store.findOne({ notificationIds: notificationId });
  }

  async activeFor(orderNo: string): Promise<AuditCase | undefined> {
    return this.store.findOne({ activeKey: `order:${orderNo}` });
  }

  /** Parked and unmatched cases that named this order or pre-order. */
  async waitingFor(orderNo: string, preOrderNo: string | undefined): Promise<AuditCase[]> {
    const named: StoredFilter[] = [
      { 'target.orderNo': orderNo },
      ...(preOrderNo ? [{ 'target.preOrderNo': preOrderNo }] : []),
    ];
    return this.store.find({ $or: named, status: { $in: ['parked', 'unmatched'] } });
  }

  /**
   * Applies a change if the case is still at `version`. Returns undefined when another change
   * won the race; throws `DuplicateActiveCase` when the change would make a second case stand
   * for the same order.
   */
  async update(
    current: AuditCase,
    change: CaseChange,
    events: readonly OutgoingEvent[],
  ): Promise<AuditCase | undefined> {
    const next = { ...current, ...change.set };
    const update = {
      $set: { ...change.set, activeKey: activeKeyOf(next) },
      $push: { history: change.history, ...(change.notificationId ? { notificationIds: change.notificationId } : {}) },
      ...(change.unset?.length ? { $unset: Object.fromEntries(change.unset.map((k) => [k, ''])) } : {}),
    };
    try {
      return await this.store.update(current.caseId, current.version, update, events);
    } catch (error) {
      if (isDuplicateKey(error))
        throw new DuplicateActiveCase(`another case stands for order ${next.order?.orderNo ?? '?'}`);
      throw error;
    }
  }

  /** Cases for handlers' lists, newest first, in pages. */
  async list(query: CaseQuery): Promise<AuditCase[]> {
    const and: StoredFilter[] = [];
    if (query.statuses?.length) and.push({ status: { $in: query.statuses } });
    if (query.reasonType) and.push({ reasonType: query.reasonType });
    if (query.handlerId) and.push({ handlerId: query.handlerId });
    if (query.visibleTo)
      and.push({
        $or: [
          { handlerId: query.visibleTo },
          { leadId: query.visibleTo },
          { status: { $in: ['parked', 'unmatched'] } },
        ],
      });
    if (query.overdueAt)
      and.push({ status: { $in: ['open', 'resubmit_failed'] }, deadline: { $lte: query.overdueAt } });
    if (query.after)
      and.push({
        $or: [
          { receivedAt: { $lt: query.after.receivedAt } },
          { receivedAt: query.after.receivedAt, _id: { $lt: query.after.caseId } },
        ],
      });
    return this.store.find(and.length > 0 ? { $and: and } : {}, {
      sort: { receivedAt: -1, _id: -1 },
      limit: query.limit,
      omit: { history: 0 },
    });
  }

  /** Cases that may need a timer or a job: for the reconciler. */
  async *needingWork(pageSize = 500): AsyncGenerator<AuditCase> {
    yield* this.store.walk({ status: { $in: ['parked', 'open', 'resubmitting', 'passed'] } }, pageSize, {
      omit: { history: 0 },
    });
  }

  /**
   * What a due pass looks at: parked cases (each pass looks for their order again), cases whose
   * call is in flight (resubmitting, passed: few, and a call that failed for good is queued again),
   * and open ones past their deadline not yet escalated — not the open cases still inside their
   * window, nor the escalated ones waiting for their fix.
   */
  async *dueWork(now: Date, pageSize = 500): AsyncGenerator<AuditCase> {
    yield* this.store.walk({ status: { $in: ['parked', 'resubmitting', 'passed'] } }, pageSize, {
      omit: { history: 0 },
    });
    yield* this.store.walk({ status: 'open', escalatedAt: { $exists: false }, deadline: { $lte: now } }, pageSize, {
      omit: { history: 0 },
    });
  }
}
