import type mongoose from 'mongoose';

import {
  type Attempt,
  type Delivery,
  type PushStatus,
  finalStatuses,
  nextAttempts,
  openStatuses,
  pushStep,
} from '../domain/delivery';
import type { RecipientKey } from '../domain/recipients';

type Doc = mongoose.mongo.Document;

/** Where a push stands after `openAll`, and whether that call opened it (false: it was there before). */
export interface OpenedPush {
  status: PushStatus;
  opened: boolean;
  /** It stands on the first try recorded with its opening, which no run has answered or taken over yet. */
  firstTryOpen: boolean;
}

/** Every push and each of its tries, kept per idempotency key; readable per order and per recipient. */
export class PushLogRepository {
  readonly collection: mongoose.mongo.Collection;

  /** `onAttempt` hears each recorded try's outcome (for the push outcome counter). */
  constructor(
    db: mongoose.mongo.Db,
    private readonly options: { onAttempt?: (outcome: Attempt['outcome']) => void } = {},
  ) {
    // The collection keeps its first name: renaming it would strand every deployment's log.
    this.collection = db.collection('deliveries');
  }

  async createIndexes(): Promise<void> {
    await this.collection.createIndex({ orderId: 1, createdAt: 1 }, { name: 'by_order' });
    await this.collection.createIndex({ recipient: 1, createdAt: -1 }, { name: 'by_recipient' });
    await this.collection.createIndex({ status: 1, createdAt: 1 }, { name: 'by_status' });
    // A try is claimed by compare-and-set on where the push stands and how many tries it has had,
    // equality on exactly this index's keys, so that even the local server (which uses an index
    // only for such a query) finds the push without reading the log.
    await this.collection.createIndex({ _id: 1, status: 1, tries: 1 }, { name: 'claim_guard', unique: true });
    // Pushes recorded before `tries` was kept get it once: one read of the log, then each by
    // `claim_guard`'s exact keys (a push that moved on meanwhile got its count from the move).
    for await (const doc of this.collection.find({ tries: { $exists: false } } as Doc, {
      projection: { attempts: 1, status: 1 },
    })) {
      await this.collection.updateOne(
        { _id: doc._id, status: doc.status, tries: null },
        { $set: { tries: Array.isArray(doc.attempts) ? doc.attempts.length : 0 } },
      );
    }
  }

  /**
   * Records the pushes of one event about to be sent (or not sent, with why) in one write, an
   * unordered bulk of upserts; a push recorded before changes nothing. One opened as `sending` is
   * recorded with its first try, at `at`: the job queued with it sends without a claim
   * (`PushJob.firstTry`), so a push costs the log two writes for its first try, the opening
   * shared with its event's other pushes and the answer. Answers, in the order given, where each
   * push stands now, whether this call opened it, and whether its first try is still open: a
   * redelivered event finds the pushes it made before (one more command reads them), so whether
   * to send is decided by this record, never by a job still in Redis.
   */
  async openAll(
    deliveries: readonly Omit<Delivery, 'attempts' | 'createdAt' | 'updatedAt'>[],
    at: Date = new Date(),
  ): Promise<OpenedPush[]> {
    if (deliveries.length === 0) return [];
    const now = at;
    const result = await this.collection.bulkWrite(
      deliveries.map(({ key, ...rest }) => ({
        updateOne: {
          filter: idFilter(key),
          update: {
            $setOnInsert: {
              ...rest,
              status: pushStep(null, 'opened', rest.status),
              attempts: rest.status === 'sending' ? nextAttempts([], at) : [],
              tries: rest.status === 'sending' ? 1 : 0,
              createdAt: now,
              updatedAt: now,
            },
          },
          upsert: true,
        },
      })),
      { ordered: false },
    );
    const inserted = new Set(Object.keys(result.upsertedIds).map(Number));
    const found = deliveries.filter((_, i) => !inserted.has(i)).map((d) => d.key);
    const stands = new Map<string, OpenedPush>();
    if (found.length > 0) {
      const docs = await this.collection
        .find({ _id: { $in: found } } as Doc, { projection: { status: 1, tries: 1, 'attempts.outcome': 1 } })
        .toArray();
      for (const doc of docs) {
        const attempts = (doc.attempts ?? []) as Pick<Attempt, 'outcome'>[];
        stands.set(String(doc._id), {
          status: doc.status as PushStatus,
          opened: false,
          firstTryOpen: doc.status === 'sending' && triesOf(doc) === 1 && attempts[0]?.outcome === 'sending',
        });
      }
    }
    return deliveries.map((d, i) =>
      inserted.has(i)
        ? { status: d.status, opened: true, firstTryOpen: d.status === 'sending' }
        : (stands.get(d.key) ?? { status: d.status, opened: false, firstTryOpen: false }),
    );
  }

  /**
   * Records a try as `sending` before it goes to the gateway (an earlier try left `sending`
   * becomes `unknown`). Answers the try's number, or undefined when the push has finished
   * or another sender recorded a try in between (that one owns the push now), or the last try is
   * `sending` and younger than `inFlightMs` (another sender is at the gateway with it). A first
   * try, the usual case, is one conditional write; a later one reads the tries and compares them.
   */
  async claim(key: string, at: Date, inFlightMs: number): Promise<{ attempt: number } | undefined> {
    const first = await this.collection.updateOne({ _id: key, status: 'pending', tries: 0 } as Doc, {
      $set: {
        attempts: nextAttempts([], at),
        tries: 1,
        status: pushStep('pending', 'tried', 'sending'),
        updatedAt: new Date(),
      },
    });
    if (first.matchedCount > 0) return { attempt: 1 };
    const doc = await this.collection.findOne({ _id: key } as Doc);
    if (!doc) return undefined;
    const delivery = toDelivery(doc);
    if (finalStatuses.has(delivery.status)) return undefined;
    const last = delivery.attempts[delivery.attempts.length - 1];
    if (last?.outcome === 'sending' && at.getTime() - new Date(last.at).getTime() < inFlightMs) return undefined;
    const attempts = nextAttempts(delivery.attempts, at);
    const claimed = await this.collection.updateOne({ _id: key, status: delivery.status, tries: triesOf(doc) } as Doc, {
      $set: {
        attempts,
        tries: attempts.length,
        status: pushStep(delivery.status, 'tried', 'sending'),
        updatedAt: new Date(),
      },
    });
    return claimed.matchedCount === 0 ? undefined : { attempt: attempts.length };
  }

  /**
   * Gives a claimed try its outcome and sets where the push now stands, in one write; with `at`,
   * also the try's time (a first try recorded with the opening, made later).
   */
  async settle(
    key: string,
    attempt: number,
    outcome: Omit<Attempt, 'attempt' | 'at'> & { at?: Date },
    status: PushStatus,
  ): Promise<void> {
    const at = `attempts.${attempt - 1}`;
    const fields = Object.fromEntries(Object.entries(outcome).map(([name, value]) => [`${at}.${name}`, value]));
    await this.collection.updateOne({ _id: key } as Doc, {
      $set: { ...fields, status: pushStep('sending', 'answered', status), updatedAt: new Date() },
    });
    this.options.onAttempt?.(outcome.outcome);
  }

  /**
   * Ends an unfinished push, saying why, if it still stands as `delivery` says (its status and
   * tries, compared and set); one that moved on meanwhile is left as it is.
   */
  async abandon(
    delivery: Pick<Delivery, 'key' | 'status' | 'attempts'>,
    status: PushStatus,
    note: string,
  ): Promise<void> {
    await this.collection.updateOne(
      { _id: delivery.key, status: delivery.status, tries: delivery.attempts.length } as Doc,
      { $set: { status: pushStep(delivery.status, 'abandoned', status), note, updatedAt: new Date() } },
    );
  }

  /** Pushes not yet finished, oldest first, one page after `after` (the last key of the page before). */
  async unfinished(limit: number, after?: { createdAt: Date; key: string }): Promise<Delivery[]> {
    const status = { $in: [...openStatuses] };
    const filter = after
      ? {
          status,
          $or: [{ createdAt: { $gt: after.createdAt } }, { createdAt: after.createdAt, _id: { $gt: after.key } }],
        }
      : { status };
    const docs = await this.collection
      .find(filter as Doc)
      .sort({ createdAt: 1, _id: 1 })
      .limit(limit)
      .toArray();
    return docs.map(toDelivery);
  }

  async get(key: string): Promise<Delivery | undefined> {
    const doc = await this.collection.findOne({ _id: key } as Doc);
    return doc ? toDelivery(doc) : undefined;
  }

  /** An order's pushes to one recipient, or to everyone for the callers that may read all (admins, services): said, never defaulted. */
  async forOrder(orderId: string, limit: number, scope: RecipientKey | 'everyone'): Promise<Delivery[]> {
    const docs = await this.collection
      .find({ orderId, ...(scope === 'everyone' ? {} : { recipient: scope }) })
      .sort({ createdAt: 1 })
      .limit(limit)
      .toArray();
    return docs.map(toDelivery);
  }

  async forRecipient(recipient: RecipientKey, limit: number): Promise<Delivery[]> {
    const docs = await this.collection.find({ recipient }).sort({ createdAt: -1 }).limit(limit).toArray();
    return docs.map(toDelivery);
  }
}

/** A filter on the push's key (stored as `_id`, a string where the driver's types expect an ObjectId). */
const idFilter = (key: string): Doc => ({ _id: key });

/** The tries a stored push has had, as its `tries` field says (null when it predates the field). */
const triesOf = (doc: Doc): number | null => (typeof doc.tries === 'number' ? doc.tries : null);

function toDelivery(doc: Doc): Delivery {
  const { _id, tries: _tries, ...rest } = doc;
  return { ...(rest as Omit<Delivery, 'key'>), key: String(_id) };
}
