import type { OutgoingEvent } from '@orderpulse/contracts';
import { isDuplicateKey } from '@orderpulse/service-kit';
import type { mongo } from 'mongoose';

import { ensureOutboxIndexes, type OutboxEntry, outboxFieldsHidden, outboxForInsert, withEvents } from './outbox';
import type { OutboxRelay } from './outbox-relay';

/**
 * A document as a versioned collection stores it: the entity's id as `_id` (a string), its
 * `version`, the entity's other fields, and the outbox's fields.
 */
export interface StoredDocument {
  _id: string;
  // The fields are the entity's, typed by its repository; the driver's update operators need them open.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  [field: string]: any;
}

/** A query on a versioned collection (the driver's filter, `_id` a string). */
export type StoredFilter = mongo.Filter<StoredDocument>;

/**
 * An update on a versioned collection (`$set`, `$push`, `$unset`…), without the version step and
 * the events that `update` adds. A plain document: the driver types its operators only for closed
 * schemas, and `$push` with `$each` not even then.
 */
export type StoredUpdate = mongo.Document;

/** How a page of a list or a walk is read: the driver's sort, a limit, and fields left out besides the hidden ones. */
export interface ReadOptions {
  sort?: mongo.Sort;
  limit?: number;
  /** Fields not read (`{ history: 0 }`), on top of the outbox's and the collection's hidden ones. */
  omit?: Readonly<Record<string, 0>>;
}

/**
 * How one entity is stored: which of its fields is the `_id`, which stored fields are never read
 * back, and how a stored document becomes the entity again.
 */
export interface VersionedCollectionOptions<T, K extends keyof T & string> {
  /** The entity's id field, stored as `_id` (a string). */
  id: K;
  /** Fields kept in the document for queries and indexes only (`{ activeKey: 0 }`); never read back. */
  hidden?: Readonly<Record<string, 0>>;
  /** The entity from its stored fields, `_id` already renamed to `id`; by default the fields as they are. */
  revive?: (fields: T) => T;
}

/** What a versioned collection asks of the relay its writes hand their events to (`OutboxRelay`). */
export type RelayOfWrites = Pick<OutboxRelay, 'writeLease' | 'hold' | 'announce' | 'takeOver'>;

/** What `insert` did: stored the entity, or found one with the same id already there (a redelivery). */
export type InsertOutcome<T> = { created: true; entity: T } | { created: false; entity: T };

/**
 * One MongoDB collection of versioned entities, each a single document that carries the events of
 * its last changes in its outbox (`withEvents`): the mechanics every service's repository shares.
 *
 * - Every change is one `findOneAndUpdate` guarded by `{ _id, version }` (the `version_guard`
 *   index, which MongoDB and the local server both answer exactly), that raises `version` by one
 *   and appends the events. Two writers that read the same version produce one outcome; the
 *   loser gets `undefined` and decides again on a fresh read (optimistic concurrency, as in
 *   MongoDB's "update if current" pattern).
 * - An insert whose id is already stored returns the stored entity (`created: false`): an event
 *   delivered twice creates one entity. A duplicate key on another unique index is rethrown as the
 *   driver raised it (code 11000; `isDuplicateKey` tells it), for the repository to name.
 * - With its relay running (`relayWith`), a write that adds events also takes the relay's lease
 *   and hands the document over (`OutboxRelay.hold`): the relay publishes without a claim of its
 *   own, one command fewer per change.
 * - Reads leave out the outbox's fields and the collection's hidden ones.
 *
 * Source: the transactional outbox (microservices.io, "Transactional outbox"); MongoDB's
 * single-document atomicity (MongoDB manual, "Atomicity and Transactions").
 */
export class VersionedCollection<T extends { version: number }, K extends keyof T & string> {
  readonly collection: mongo.Collection<StoredDocument>;
  private readonly hidden: Readonly<Record<string, 0>>;
  /** What a write that hands its document over reads back: the entity, and the outbox and lease as written. */
  private readonly hiddenButOutbox: Readonly<Record<string, 0>>;
  private relay: RelayOfWrites | undefined;

  constructor(
    db: mongo.Db,
    name: string,
    private readonly options: VersionedCollectionOptions<T, K>,
  ) {
    this.collection = db.collection<StoredDocument>(name);
    this.hidden = { ...outboxFieldsHidden, ...options.hidden };
    const { outbox: _outbox, outboxAdded: _added, outboxLeaseUntil: _lease, ...rest } = this.hidden;
    this.hiddenButOutbox = rest;
  }

  /**
   * Hands every later write's events to `relay` (the collection's own): while it runs, the write
   * takes its lease and the relay publishes what the write returns, with no claim; a document
   * another lease holds (its relay is publishing it) is announced instead, for the relay to claim
   * once that lease is released, or to take over once it has run out. A write that fails without
   * saying whether it was applied leaves its lease to the relay to take over at once. While the
   * relay is stopped, writes leave their events to a sweep.
   */
  relayWith(relay: RelayOfWrites): void {
    this.relay = relay;
  }

  /** The outbox's indexes and `version_guard` (`{ _id: 1, version: 1 }`, unique). */
  async ensureIndexes(): Promise<void> {
    await ensureOutboxIndexes(this.collection);
    await this.collection.createIndex({ _id: 1, version: 1 }, { name: 'version_guard', unique: true });
  }

  /** The entity a stored document holds; `undefined` for none. */
  entityOf(doc: mongo.WithId<StoredDocument> | StoredDocument | null): T | undefined {
    if (!doc) return undefined;
    const { _id, ...fields } = doc;
    const entity = { ...fields, [this.options.id]: String(_id) } as unknown as T;
    return this.options.revive ? this.options.revive(entity) : entity;
  }

  /**
   * Stores a new entity with its events, and `stored` fields beside it (query keys the entity does
   * not hold). An entity with the same id already there is returned instead, unchanged.
   *
   * @throws the driver's duplicate-key error (code 11000) when another unique index refuses it.
   */
  async insert(
    entity: T,
    events: readonly OutgoingEvent[],
    stored: Readonly<Record<string, unknown>> = {},
  ): Promise<InsertOutcome<T>> {
    const { [this.options.id]: id, ...fields } = entity;
    const lease = events.length > 0 ? this.relay?.writeLease() : undefined;
    const outbox = outboxForInsert(events, lease);
    try {
      await this.collection.insertOne({ ...fields, ...stored, _id: String(id), version: entity.version, ...outbox });
      if (lease) this.relay?.hold({ _id: String(id), lease, outbox: outbox.outbox ?? [], added: events.length });
      return { created: true, entity };
    } catch (error) {
      if (!isDuplicateKey(error)) {
        // Applied or not, nobody knows: the relay takes the lease over if it is there.
        if (lease) this.relay?.takeOver(String(id), lease);
        throw error;
      }
      const existing = await this.get(String(id));
      if (!existing) throw error;
      return { created: false, entity: existing };
    }
  }

  /** The entity with this id, or `undefined`. */
  async get(id: string): Promise<T | undefined> {
    return this.findOne({ _id: id });
  }

  /** The first entity the filter matches, or `undefined`. */
  async findOne(filter: StoredFilter, omit: Readonly<Record<string, 0>> = {}): Promise<T | undefined> {
    return this.entityOf(await this.collection.findOne(filter, { projection: { ...this.hidden, ...omit } }));
  }

  /** The entities the filter matches, in `sort` order, at most `limit` of them. */
  async find(filter: StoredFilter, options: ReadOptions = {}): Promise<T[]> {
    let cursor = this.collection.find(filter, { projection: { ...this.hidden, ...options.omit } });
    if (options.sort) cursor = cursor.sort(options.sort);
    if (options.limit !== undefined) cursor = cursor.limit(options.limit);
    return (await cursor.toArray()).map((doc) => this.entityOf(doc) as T);
  }

  /**
   * Every entity the filter matches, by ascending `_id` unless `sort` says otherwise, read through
   * one cursor in batches of `pageSize`: one query, not one per page (the local server answers each
   * query by reading its index or collection once). The cursor closes when the loop ends, early or not.
   */
  async *walk(filter: StoredFilter, pageSize: number, options: Omit<ReadOptions, 'limit'> = {}): AsyncGenerator<T> {
    const cursor = this.collection
      .find(filter, { projection: { ...this.hidden, ...options.omit } })
      .sort(options.sort ?? { _id: 1 })
      .batchSize(pageSize);
    for await (const doc of cursor) yield this.entityOf(doc) as T;
  }

  /**
   * Applies `update` to the entity if it is still at `version` (and matches `also`, a tenant say),
   * raising the version by one and adding `events` to its outbox, in one document write.
   *
   * @returns the entity after the change; `undefined` when it was not at `version` (another change
   *   got there first) or does not match `also`.
   * @throws the driver's duplicate-key error when the change would break a unique index.
   */
  async update(
    id: string,
    version: number,
    update: StoredUpdate,
    events: readonly OutgoingEvent[],
    also: StoredFilter = {},
  ): Promise<T | undefined> {
    const inc = (update.$inc ?? {}) as Record<string, number>;
    const step: StoredUpdate = { ...update, $inc: { ...inc, version: 1 } };
    const lease = events.length > 0 ? this.relay?.writeLease() : undefined;
    const doc = await this.collection
      .findOneAndUpdate({ ...also, _id: id, version }, withEvents(step, events, lease), {
        returnDocument: 'after',
        projection: lease ? this.hiddenButOutbox : this.hidden,
      })
      .catch((error: unknown) => {
        if (lease) this.relay?.takeOver(id, lease);
        throw error;
      });
    if (!doc || !lease) return this.entityOf(doc);
    // Whether the offered lease was taken (`$min` keeps one already there): hand over or announce.
    const { outbox, outboxAdded, outboxLeaseUntil, ...fields } = doc;
    const holder = outboxLeaseUntil as Date | undefined;
    if (holder?.getTime() === lease.getTime())
      this.relay?.hold({
        _id: id,
        lease,
        outbox: (outbox ?? []) as OutboxEntry[],
        added: typeof outboxAdded === 'number' ? outboxAdded : null,
      });
    else {
      this.relay?.announce(id);
      if (holder) this.relay?.takeOver(id, holder, holder.getTime() + 1);
    }
    return this.entityOf(fields);
  }
}
