import { type EventPublisher, type Logger, silentLogger } from '@orderpulse/kafka';
import type { mongo } from 'mongoose';

import type { OutboxEntry } from './outbox';

export interface OutboxRelayOptions {
  collection: mongo.Collection;
  publisher: EventPublisher;
  logger?: Logger;
  /** How often the sweep looks for documents nobody announced (left by a relay that died). */
  pollIntervalMs?: number;
  /** How long a claimed document is left to its relay before another may take it over. */
  leaseMs?: number;
  batchSize?: number;
  /** Observes each publish before its entries are cleared (metrics, fault injection in tests). */
  onPublished?: (entries: readonly OutboxEntry[]) => Promise<void> | void;
}

interface Pending {
  _id: unknown;
  outbox?: OutboxEntry[];
  outboxLeaseUntil?: Date | null;
}

interface Claimed {
  _id: unknown;
  lease: Date;
  outbox: OutboxEntry[];
}

/**
 * Moves events from aggregate documents to Kafka. A document is claimed with a lease, its
 * events are published in order with acks from all in-sync replicas, and only then are those
 * entries pulled from the document. A relay that dies after publishing and before clearing
 * leaves the entries in place; the next claim publishes them again, and consumers, which are
 * idempotent, drop the repeats. Order within an aggregate holds because its entries are always
 * published as an ordered prefix on one partition.
 */
export class OutboxRelay {
  private readonly collection: mongo.Collection;
  private readonly publisher: EventPublisher;
  private readonly logger: Logger;
  private readonly pollIntervalMs: number;
  private readonly leaseMs: number;
  private readonly batchSize: number;
  private readonly onPublished: OutboxRelayOptions['onPublished'];
  private readonly announced = new Set<unknown>();
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: () => void = () => undefined;
  private failures = 0;
  private lastSweep = 0;

  constructor(options: OutboxRelayOptions) {
    this.collection = options.collection;
    this.publisher = options.publisher;
    this.logger = options.logger ?? silentLogger;
    this.pollIntervalMs = options.pollIntervalMs ?? 5_000;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.batchSize = options.batchSize ?? 200;
    this.onPublished = options.onPublished;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Tells the relay a document has new events, so they go out now rather than at the next sweep. */
  announce(id: unknown): void {
    this.announced.add(id);
    this.wake();
  }

  /** Finishes the round in progress and stops. Entries not yet published stay for the next start. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
  }

  /**
   * One round: the announced documents, found by id; then, when `sweep` says so, the documents
   * nobody announced. Returns how many events went out.
   */
  async relayOnce(sweep = true): Promise<number> {
    const ids = [...this.announced];
    this.announced.clear();
    let sent = 0;
    if (ids.length > 0) sent += await this.relay(await this.read({ _id: { $in: ids } }));
    if (sweep) {
      this.lastSweep = Date.now();
      sent += await this.relay(await this.read({ 'outbox.id': { $exists: true } }));
    }
    return sent;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let sent = 0;
      try {
        sent = await this.relayOnce(Date.now() - this.lastSweep >= this.pollIntervalMs);
        this.failures = 0;
      } catch (error) {
        this.failures += 1;
        this.logger.error({ err: error, failures: this.failures }, 'outbox relay round failed; will retry');
      }
      if (!this.running) break;
      if (sent > 0 && this.failures === 0) continue;
      const wait = this.failures > 0 ? Math.min(30_000, 500 * 2 ** this.failures) : this.pollIntervalMs;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
        if (this.announced.size > 0 && this.failures === 0) this.wake();
      });
      this.wake = () => undefined;
    }
  }

  private async read(filter: mongo.Document): Promise<Pending[]> {
    const docs = await this.collection
      .find(filter, { projection: { _id: 1, outbox: 1, outboxLeaseUntil: 1 } })
      .limit(this.batchSize)
      .toArray();
    return docs;
  }

  private async relay(candidates: Pending[]): Promise<number> {
    const claimed = await this.claim(candidates);
    if (claimed.length === 0) return 0;
    const entries = claimed.flatMap((doc) => doc.outbox);
    await this.publisher.publish(entries.map(({ topic, event }) => ({ topic, event })));
    await this.onPublished?.(entries);
    const clears: mongo.AnyBulkWriteOperation[] = claimed.map((doc) => {
      // Released only by the holder of this lease; a relay that lost it leaves the entries to the new holder.
      const filter: mongo.Document = { _id: doc._id, outboxLeaseUntil: doc.lease };
      const update: mongo.Document = {
        $pull: { outbox: { id: { $in: doc.outbox.map((e) => e.id) } } },
        $unset: { outboxLeaseUntil: '' },
      };
      return { updateOne: { filter, update } };
    });
    await this.collection.bulkWrite(clears, { ordered: false });
    this.logger.debug({ documents: claimed.length, events: entries.length }, 'outbox relayed');
    return entries.length;
  }

  /** Takes the lease of each free document by compare-and-set on the lease it was read with. */
  private async claim(candidates: Pending[]): Promise<Claimed[]> {
    const now = Date.now();
    const free = candidates.filter((d) => (d.outbox?.length ?? 0) > 0 && (!d.outboxLeaseUntil || d.outboxLeaseUntil.getTime() < now));
    const claims = await Promise.all(
      free.map(async (doc, i) => {
        // Distinct per document, so the lease value a relay clears with is its own.
        const lease = new Date(now + this.leaseMs + i);
        const filter: mongo.Document = { _id: doc._id, outboxLeaseUntil: doc.outboxLeaseUntil ?? null };
        const taken = await this.collection.findOneAndUpdate(filter, { $set: { outboxLeaseUntil: lease } }, { returnDocument: 'after', projection: { outbox: 1 } });
        if (!taken) return undefined;
        const outbox = (taken.outbox ?? []) as OutboxEntry[];
        if (outbox.length === 0) await this.collection.updateOne({ _id: doc._id, outboxLeaseUntil: lease } as mongo.Document, { $unset: { outboxLeaseUntil: '' } });
        return { _id: doc._id, lease, outbox };
      }),
    );
    return claims.filter((c): c is Claimed => c !== undefined && c.outbox.length > 0);
  }
}
