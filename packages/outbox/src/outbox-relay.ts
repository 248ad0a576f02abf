import { type EventPublisher, failureKind, type Logger, silentLogger } from '@orderpulse/kafka';
import type { mongo } from 'mongoose';

import type { OutboxEntry, QuarantinedEntry } from './outbox';
import type { StoredDocument } from './versioned-collection';

export interface OutboxRelayOptions {
  collection: mongo.Collection<StoredDocument>;
  publisher: EventPublisher;
  logger?: Logger;
  /**
   * How often the sweep looks for documents nobody announced (left by a relay that died), in ms;
   * 300,000 (5 min) unless given. The sweep also runs at start, as soon as a lease it saw runs
   * out, next round after a full batch it could send, and a lease's length after a failed round;
   * what a living relay wrote, or failed to send, it takes up again by id.
   */
  pollIntervalMs?: number;
  /** How long a claimed document is left to its relay before another may take it over. */
  leaseMs?: number;
  batchSize?: number;
  /** Longest wait between rounds after failures (the backoff doubles from 250 ms up to this). */
  maxBackoffMs?: number;
  /** Observes each publish before its entries are cleared (metrics, fault injection in tests). */
  onPublished?: (entries: readonly OutboxEntry[]) => Promise<void> | void;
  /** Told when an entry is set aside for good (metrics, alerts). */
  onQuarantined?: (entry: OutboxEntry, reason: string) => void;
}

interface Pending {
  _id: unknown;
  outbox?: OutboxEntry[];
  outboxLeaseUntil?: Date | null;
}

/**
 * A document a relay holds under its lease, with the outbox as the write that took the lease
 * left it: handed over by its writer (`OutboxRelay.hold`) or claimed by the relay.
 */
export interface HeldDocument {
  _id: unknown;
  /** The lease value the write set (`outboxLeaseUntil`); the relay clears and releases only under it. */
  lease: Date;
  outbox: OutboxEntry[];
  /** `outboxAdded` as written (null on documents written before it was counted). */
  added: number | null;
}

type Claimed = HeldDocument;

const claimedOf = (_id: unknown, lease: Date, taken: mongo.Document): Claimed => ({
  _id,
  lease,
  outbox: (taken.outbox ?? []) as OutboxEntry[],
  added: typeof taken.outboxAdded === 'number' ? taken.outboxAdded : null,
});

/**
 * Moves events from aggregate documents to Kafka. A document is claimed with a lease, its
 * events are published in order with acks from all in-sync replicas, and only then are those
 * entries pulled from the document. A relay that dies after publishing and before clearing
 * leaves the entries in place; the next claim publishes them again, and consumers, which are
 * idempotent, drop the repeats. Order within an aggregate holds because its entries are always
 * published as an ordered prefix on one partition.
 *
 * A round's documents go out in one produce request and are emptied in one write; when that
 * request fails, each is published on its own, so one that Kafka refuses cannot hold back the others:
 * - a transient failure (broker unreachable, see `failureKind`) releases the lease at once and
 *   ends the round; the next round follows within `maxBackoffMs` (2 s), so events written during
 *   a broker outage go out as soon as it returns;
 * - any other refusal (the record exceeds `max.message.bytes`, is invalid) is narrowed to the
 *   entry at fault, which is moved to the document's `outboxQuarantine` with its reason, logged
 *   and counted; the rest are published. An entry whose topic stays unknown while other
 *   documents publish fine is tried again by id, backing off, and quarantined after `QUARANTINE_AFTER` such tries.
 * A relay finds its own work by id: what its writers handed over (`hold`: the write that added
 * the events took the relay's lease, so nothing is claimed), what they announced, what came while
 * it held a document, and what a failed round did not send. The sweep, `{ outboxPending: true }`, costs what
 * the collection holds on a server that answers it by scanning (the local server does, holding
 * the collection's writes meanwhile), so it is only for what a relay that died left behind: it
 * runs at start, when a lease it saw runs out, and every `pollIntervalMs`.
 */
export class OutboxRelay {
  private readonly collection: mongo.Collection<StoredDocument>;
  private readonly publisher: EventPublisher;
  private readonly logger: Logger;
  private readonly pollIntervalMs: number;
  private readonly leaseMs: number;
  private readonly batchSize: number;
  private readonly maxBackoffMs: number;
  private readonly onPublished: OutboxRelayOptions['onPublished'];
  private readonly onQuarantined: OutboxRelayOptions['onQuarantined'];
  private readonly announced = new Set<unknown>();
  /** Documents whose writes took this relay's lease, by id, waiting for the next round. */
  private readonly held = new Map<unknown, HeldDocument>();
  /** The last lease given to a writer (epoch ms): each is later than the one before, so no two writes share one. */
  private lastLease = 0;
  /** Documents to claim under the exact lease they carry, at a time (epoch ms): one a write left leased to nobody, or whose holder may have died. */
  private readonly takeovers = new Map<unknown, { lease: Date; at: number }>();
  /** Documents to take up again by id at a time (epoch ms): one Kafka refused on its own, backing off. */
  private readonly later = new Map<unknown, number>();
  /** Transient failures per entry id, counted only in rounds where other documents did publish. */
  private readonly strikes = new Map<string, number>();
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: () => void = () => undefined;
  private failures = 0;
  /** When the next sweep is due (epoch ms); 0 sweeps in the first round. */
  private nextSweepAt = 0;
  private quarantinedCount = 0;

  constructor(options: OutboxRelayOptions) {
    this.collection = options.collection;
    this.publisher = options.publisher;
    this.logger = options.logger ?? silentLogger;
    this.pollIntervalMs = options.pollIntervalMs ?? 300_000;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.batchSize = options.batchSize ?? 200;
    this.maxBackoffMs = options.maxBackoffMs ?? 2_000;
    this.onPublished = options.onPublished;
    this.onQuarantined = options.onQuarantined;
  }

  /** Entries this relay has quarantined since it started. */
  get quarantined(): number {
    return this.quarantinedCount;
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

  /**
   * The lease a writer sets in the write that adds events (`withEvents`, `outboxForInsert`), taking
   * the document for this relay; `undefined` while the relay is not running, for the write to
   * leave the document to the next start's sweep or another relay's. Each lease is `leaseMs` plus
   * {@link WRITE_LEASE_MARGIN_MS} from now, and later than any given before: later than any lease
   * already on the document, claimed or written by any relay whose clock is within that margin of
   * this one's, so the write's `$min` keeps a lease that is there and takes the document only when
   * none is.
   */
  writeLease(): Date | undefined {
    if (!this.running) return undefined;
    this.lastLease = Math.max(Date.now() + this.leaseMs + WRITE_LEASE_MARGIN_MS, this.lastLease + 1);
    return new Date(this.lastLease);
  }

  /**
   * Claims the document under exactly `lease` at `at` (now unless given): for a write that offered
   * `lease` and failed without knowing whether it was applied (taken at once; if it was not, the
   * claim finds nothing), and for a document a write found under another lease (taken once that
   * lease has run out, should its holder have died; if it released the document meanwhile, its
   * writer's announcement covers it).
   */
  takeOver(id: unknown, lease: Date, at = Date.now()): void {
    this.takeovers.set(id, { lease, at });
    this.wake();
  }

  /**
   * Takes a document whose write took the lease from {@link writeLease}, with the outbox and
   * `outboxAdded` as that write left them: published in the next round, cleared under that lease,
   * with no claim. (A write that found another lease there announces instead.) If the relay dies
   * first, the lease runs out and a sweep takes the document over, as it does any claimed document.
   */
  hold(doc: HeldDocument): void {
    if (!this.running) {
      // Written under a lease given before the relay stopped: given back, for the next start's sweep or another relay's.
      this.release(doc).catch((error: unknown) =>
        this.logger.warn({ err: error, id: doc._id }, 'outbox lease not given back after stop; it runs out'),
      );
      return;
    }
    this.held.set(doc._id, doc);
    this.wake();
  }

  /**
   * Finishes the round in progress, then sends what was announced meanwhile (for at most
   * `drainMs`, 5 s), and stops. Entries not yet published stay for the next start or another
   * relay's sweep.
   */
  async stop(drainMs = 5_000): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
    if (this.announced.size === 0 && this.held.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, drainMs)));
    await Promise.race([this.relayOnce(false).catch(() => 0), timeout]);
    clearTimeout(timer);
  }

  /**
   * One round: the documents handed over, then the announced ones, found by id; then, when
   * `sweep` says so, the documents nobody announced. Returns how many events went out; throws when
   * Kafka could not be reached.
   */
  async relayOnce(sweep = true): Promise<number> {
    const started = Date.now();
    for (const [id, at] of this.later) {
      if (at > started) continue;
      this.later.delete(id);
      this.announced.add(id);
    }
    const taking = [...this.takeovers].filter(([, t]) => t.at <= started);
    for (const [id] of taking) this.takeovers.delete(id);
    // At most a batch a round: publishing goes one document at a time, and a lease must last the round (see `renewed`).
    const holding = [...this.held.values()].slice(0, this.batchSize);
    for (const doc of holding) this.held.delete(doc._id);
    const ids = [...this.announced].filter((id) => !this.held.has(id)).slice(0, this.batchSize - holding.length);
    for (const id of ids) this.announced.delete(id);
    const round = [...holding.map((d) => d._id), ...ids];
    let sent = 0;
    try {
      if (holding.length > 0) sent += await this.relayClaimed(await this.renewed(holding));
      if (ids.length > 0) sent += await this.relayClaimed(await this.claimAnnounced(ids));
      if (taking.length > 0)
        sent += await this.relayClaimed(
          await this.claimWhere(taking.map(([_id, { lease }]) => ({ _id, filter: { _id, outboxLeaseUntil: lease } }))),
        );
      if (sweep) {
        const now = Date.now();
        const found = await this.read({ outboxPending: true });
        this.nextSweepAt = now + this.pollIntervalMs;
        round.push(...found.map((d) => d._id));
        // A live lease (its relay may have died) is looked at again as soon as it runs out.
        for (const d of found) {
          const until = d.outboxLeaseUntil?.getTime();
          if (until !== undefined && until >= now) this.nextSweepAt = Math.min(this.nextSweepAt, until + 1);
        }
        const swept = await this.relay(found);
        sent += swept;
        // A full batch that went out leaves more behind: sweep again next round.
        if (found.length >= this.batchSize && swept > 0) this.nextSweepAt = 0;
      }
    } catch (error) {
      // What this round did not send goes again, by id, once Kafka answers; a sent document's claim
      // finds nothing. One left under this round's lease (a write that failed) is swept once it runs out.
      for (const id of round) this.announced.add(id);
      // A takeover whose claim did not happen is tried again; one that did was released, and is announced.
      for (const [id, t] of taking) if (!this.takeovers.has(id)) this.takeovers.set(id, t);
      this.nextSweepAt = Math.min(this.nextSweepAt, Date.now() + this.leaseMs + 1);
      throw error;
    }
    return sent;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let sent = 0;
      try {
        sent = await this.relayOnce(Date.now() >= this.nextSweepAt);
        this.failures = 0;
      } catch (error) {
        this.failures += 1;
        this.logger.error({ err: error, failures: this.failures }, 'outbox relay round failed; will retry');
      }
      if (!this.running) break;
      if (sent > 0 && this.failures === 0) continue;
      const wait =
        this.failures > 0
          ? Math.min(this.maxBackoffMs, 250 * 2 ** (this.failures - 1))
          : Math.max(
              0,
              Math.min(this.nextSweepAt, ...this.later.values(), ...[...this.takeovers.values()].map((t) => t.at)) -
                Date.now(),
            );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
        if ((this.announced.size > 0 || this.held.size > 0) && this.failures === 0) this.wake();
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
    return this.relayClaimed(await this.claim(candidates));
  }

  /**
   * Publishes the claimed documents' entries in one produce request and empties them in one
   * write, each under its lease: a round costs the same two round trips whatever it holds, so a
   * backlog drains in fewer, larger rounds rather than queueing behind one document at a time.
   * Each document's entries stay an ordered prefix on its partition within the request. When the
   * request fails, each document is tried on its own (`relayEach`), which narrows a refusal to the
   * document and the entry at fault; what the failed request did append goes again, and consumers,
   * being idempotent, drop the repeats.
   */
  private async relayClaimed(claimed: Claimed[]): Promise<number> {
    if (claimed.length < 2) return this.relayEach(claimed);
    try {
      await this.publisher.publish(claimed.flatMap((d) => d.outbox.map(({ topic, event }) => ({ topic, event }))));
    } catch {
      return this.relayEach(claimed);
    }
    for (const doc of claimed) await this.onPublished?.(doc.outbox);
    const emptied = await this.collection.bulkWrite(
      claimed.map((doc) => ({ updateOne: { filter: this.emptyFilter(doc), update: EMPTY } })),
      { ordered: false },
    );
    // Some had entries added meanwhile (or lost their lease): those are cleared one by one, which finds which.
    if (emptied.matchedCount < claimed.length) for (const doc of claimed) await this.clear(doc, doc.outbox, []);
    const sent = claimed.reduce((n, d) => n + d.outbox.length, 0);
    this.logger.debug({ documents: claimed.length, events: sent }, 'outbox relayed');
    return sent;
  }

  private async relayEach(claimed: Claimed[]): Promise<number> {
    let sent = 0;
    const unreachable: { doc: Claimed; error: unknown }[] = [];
    for (const [i, doc] of claimed.entries()) {
      try {
        sent += await this.relayDocument(doc);
      } catch (error) {
        if (failureKind(error) !== 'transient') throw error;
        await this.release(doc);
        unreachable.push({ doc, error });
        // Two documents in a row that cannot reach Kafka: the broker is down; give the rest back now.
        if (unreachable.length >= 2 && sent === 0) {
          await Promise.all(claimed.slice(i + 1).map((d) => this.release(d)));
          throw error;
        }
      }
    }
    if (unreachable.length > 0 && sent === 0) throw unreachable[0]!.error;
    // Others went out, so Kafka is there: what failed transiently is refused for itself (a topic that does not exist).
    for (const { doc, error } of unreachable) await this.strike(doc, error);
    if (sent > 0) this.logger.debug({ documents: claimed.length, events: sent }, 'outbox relayed');
    return sent;
  }

  /** Publishes one document's entries, narrowing a refusal to the entry at fault. */
  private async relayDocument(doc: Claimed): Promise<number> {
    try {
      await this.publisher.publish(doc.outbox.map(({ topic, event }) => ({ topic, event })));
    } catch (error) {
      if (failureKind(error) === 'transient') throw error;
      return this.relayOneByOne(doc);
    }
    await this.onPublished?.(doc.outbox);
    await this.clear(doc, doc.outbox, []);
    return doc.outbox.length;
  }

  private async relayOneByOne(doc: Claimed): Promise<number> {
    const published: OutboxEntry[] = [];
    const refused: QuarantinedEntry[] = [];
    for (const entry of doc.outbox) {
      try {
        await this.publisher.publish([{ topic: entry.topic, event: entry.event }]);
        published.push(entry);
      } catch (error) {
        if (failureKind(error) === 'transient') {
          await this.clear(doc, published, refused, false);
          throw error;
        }
        refused.push(this.quarantine(entry, error));
      }
    }
    if (published.length > 0) await this.onPublished?.(published);
    await this.clear(doc, published, refused);
    return published.length;
  }

  private quarantine(entry: OutboxEntry, error: unknown): QuarantinedEntry {
    const reason = (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, 2_000);
    this.quarantinedCount += 1;
    this.strikes.delete(entry.id);
    this.logger.error(
      { eventId: entry.id, type: entry.event.type, topic: entry.topic, subject: entry.event.subject, reason },
      'Kafka refused an outbox entry for good; quarantined',
    );
    this.onQuarantined?.(entry, reason);
    return { ...entry, reason, quarantinedAt: new Date() };
  }

  private async strike(doc: Claimed, error: unknown): Promise<void> {
    const first = doc.outbox[0];
    if (!first) return;
    const strikes = (this.strikes.get(first.id) ?? 0) + 1;
    this.strikes.set(first.id, strikes);
    if (strikes < QUARANTINE_AFTER) {
      // Tried again by id, backing off (1, 2, 4, 8 s): quarantined about 15 s after the first refusal.
      this.later.set(doc._id, Date.now() + 1_000 * 2 ** (strikes - 1));
      return;
    }
    const taken = await this.claim([{ _id: doc._id, outbox: doc.outbox, outboxLeaseUntil: null }]);
    const again = taken[0];
    if (again?.outbox[0]?.id !== first.id) return;
    await this.clear(again, [], [this.quarantine(first, error)]);
  }

  /**
   * Pulls what went out and moves what was refused, releasing the lease unless told not to. When
   * that covers everything claimed and nothing was added since (`outboxAdded` is as claimed), one
   * write empties the outbox, drops the pending flag and releases the lease. Otherwise entries
   * remain, so the flag stays; those added meanwhile are taken up next round.
   */
  private async clear(
    doc: Claimed,
    published: readonly OutboxEntry[],
    refused: readonly QuarantinedEntry[],
    release = true,
  ): Promise<void> {
    const covered = published.length + refused.length === doc.outbox.length;
    if (release && covered) {
      if (await this.empty(doc, refused)) return;
      // Their writer's announcement found the document leased.
      this.announced.add(doc._id);
    }
    const ids = [...published, ...refused].map((e) => e.id);
    const update: mongo.Document = {
      ...(ids.length > 0 ? { $pull: { outbox: { id: { $in: ids } } } } : {}),
      ...(refused.length > 0 ? { $push: { outboxQuarantine: { $each: refused } } } : {}),
      ...(release ? { $unset: { outboxLeaseUntil: '' } } : {}),
    };
    // Released only by the holder of this lease; a relay that lost it leaves the entries to the new holder.
    if (Object.keys(update).length > 0)
      await this.collection.updateOne({ _id: doc._id, outboxLeaseUntil: doc.lease } as mongo.Document, update);
    // Entries remain behind a quarantined one: they go next round.
    if (release && !covered) this.announced.add(doc._id);
  }

  /**
   * The documents handed over, each whose lease (counted from its write) has less than half its
   * time left claimed again under it, so a backlog never lets a lease run out before its publish
   * and another relay's sweep take the document too. One whose lease is gone is left to its holder.
   */
  private async renewed(holding: readonly HeldDocument[]): Promise<HeldDocument[]> {
    const now = Date.now();
    const fresh = holding.filter((d) => d.lease.getTime() - now > this.leaseMs / 2);
    const ageing = holding.filter((d) => !fresh.includes(d));
    if (ageing.length === 0) return fresh;
    const renewed = await this.claimWhere(
      ageing.map((d) => ({ _id: d._id, filter: { _id: d._id, outboxLeaseUntil: d.lease } })),
    );
    return [...fresh, ...renewed];
  }

  /** Gives a claimed document back at once, so the next round (or another relay) takes it up without waiting out the lease. */
  private async release(doc: Claimed): Promise<void> {
    await this.collection.updateOne({ _id: doc._id, outboxLeaseUntil: doc.lease } as mongo.Document, {
      $unset: { outboxLeaseUntil: '' },
    });
  }

  /**
   * Takes the lease of each announced document that is pending and under no lease, reading its
   * outbox in the same write: no read before the claim. One under a lease, live or run out, is
   * left to its holder or to the sweep, which takes over run-out leases.
   */
  private claimAnnounced(ids: readonly unknown[]): Promise<Claimed[]> {
    return this.claimWhere(ids.map((_id) => ({ _id, filter: { _id, outboxLeaseUntil: null, outboxPending: true } })));
  }

  /**
   * Empties a claimed document's outbox (moving `refused` to its quarantine), drops its flag and
   * releases the lease in one write, if nothing was added since the claim. Answers whether it did.
   */
  private async empty(doc: Claimed, refused: readonly QuarantinedEntry[] = []): Promise<boolean> {
    const emptied = await this.collection.updateOne(
      this.emptyFilter(doc),
      refused.length > 0 ? ({ ...EMPTY, $push: { outboxQuarantine: { $each: refused } } } as mongo.Document) : EMPTY,
    );
    return emptied.matchedCount > 0;
  }

  /** The claimed document as claimed: under its lease, with nothing added since. */
  private emptyFilter(doc: Claimed): mongo.Filter<StoredDocument> {
    return { _id: doc._id, outboxLeaseUntil: doc.lease, outboxAdded: doc.added } as mongo.Filter<StoredDocument>;
  }

  /** Releases a claimed document whose outbox turned out empty, dropping its pending flag unless an entry came meanwhile. */
  private async dropEmpty(doc: Claimed): Promise<void> {
    if (await this.empty(doc)) return;
    await this.collection.updateOne({ _id: doc._id, outboxLeaseUntil: doc.lease } as mongo.Document, {
      $unset: { outboxLeaseUntil: '' },
    });
  }

  /** Takes the lease of each free document by compare-and-set on the lease it was read with. */
  private claim(candidates: Pending[]): Promise<Claimed[]> {
    const now = Date.now();
    // One handed over to this relay is its own to publish, however long it has waited.
    const free = candidates.filter(
      (d) =>
        (d.outbox?.length ?? 0) > 0 &&
        !this.held.has(d._id) &&
        (!d.outboxLeaseUntil || d.outboxLeaseUntil.getTime() < now),
    );
    return this.claimWhere(
      free.map((doc) => ({ _id: doc._id, filter: { _id: doc._id, outboxLeaseUntil: doc.outboxLeaseUntil ?? null } })),
    );
  }

  /**
   * Sets a lease on each document its filter still matches, reading the outbox in the same write;
   * a document found empty is released at once. Answers those with entries to publish.
   */
  private async claimWhere(targets: readonly { _id: unknown; filter: mongo.Document }[]): Promise<Claimed[]> {
    const now = Date.now();
    const claims = await Promise.all(
      targets.map(async ({ _id, filter }, i) => {
        // Distinct per document, so the lease value a relay clears with is its own.
        const lease = new Date(now + this.leaseMs + i);
        const taken = await this.collection.findOneAndUpdate(
          filter,
          { $set: { outboxLeaseUntil: lease } },
          { returnDocument: 'after', projection: { outbox: 1, outboxAdded: 1 } },
        );
        if (!taken) return undefined;
        const claimed = claimedOf(_id, lease, taken);
        if (claimed.outbox.length === 0) await this.dropEmpty(claimed);
        return claimed;
      }),
    );
    return claims.filter((c): c is Claimed => c !== undefined && c.outbox.length > 0);
  }
}

/** Empties an outbox, drops its pending flag and releases its lease, in one update. */
const EMPTY = {
  $set: { outbox: [] },
  $unset: { outboxPending: '', outboxLeaseUntil: '' },
} as mongo.UpdateFilter<StoredDocument>;

/** Rounds in which one document alone cannot reach Kafka while others can, before its first entry is quarantined. */
const QUARANTINE_AFTER = 5;

/**
 * How much later than a claim's lease a write's lease runs, in ms: more than the clock skew
 * between any two instances and the spread of one batch's claims, so a write's `$min` never
 * replaces a lease another relay holds.
 */
export const WRITE_LEASE_MARGIN_MS = 5_000;
