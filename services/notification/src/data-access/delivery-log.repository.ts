import type mongoose from 'mongoose';

import { type Attempt, type Delivery, type DeliveryStatus } from '../domain/delivery';
import type { RecipientKey } from '../domain/recipients';

type Doc = mongoose.mongo.Document;

/** Every push and each of its tries, kept per idempotency key; readable per order and per recipient. */
export class DeliveryLogRepository {
  readonly collection: mongoose.mongo.Collection;

  constructor(db: mongoose.mongo.Db) {
    this.collection = db.collection('deliveries');
  }

  async createIndexes(): Promise<void> {
    await this.collection.createIndex({ orderId: 1, createdAt: 1 }, { name: 'by_order' });
    await this.collection.createIndex({ recipient: 1, createdAt: -1 }, { name: 'by_recipient' });
  }

  /** Records a push about to be sent (or not sent, with why); a second call for the same key changes nothing. */
  async open(delivery: Omit<Delivery, 'attempts' | 'createdAt' | 'updatedAt'>): Promise<void> {
    const { key, ...rest } = delivery;
    const now = new Date();
    await this.collection.updateOne({ _id: key } as Doc, { $setOnInsert: { ...rest, attempts: [], createdAt: now, updatedAt: now } }, { upsert: true });
  }

  async get(key: string): Promise<Delivery | undefined> {
    const doc = await this.collection.findOne({ _id: key } as Doc);
    return doc ? toDelivery(doc) : undefined;
  }

  /** Appends a try and sets where the push now stands. */
  async attempted(key: string, attempt: Attempt, status: DeliveryStatus): Promise<void> {
    await this.collection.updateOne({ _id: key } as Doc, { $push: { attempts: attempt }, $set: { status, updatedAt: new Date() } } as Doc);
  }

  /** An order's pushes to one recipient, or to everyone for the callers that may read all (admins, services): said, never defaulted. */
  async forOrder(orderId: string, limit: number, scope: RecipientKey | 'everyone'): Promise<Delivery[]> {
    const docs = await this.collection.find({ orderId, ...(scope === 'everyone' ? {} : { recipient: scope }) }).sort({ createdAt: 1 }).limit(limit).toArray();
    return docs.map(toDelivery);
  }

  async forRecipient(recipient: RecipientKey, limit: number): Promise<Delivery[]> {
    const docs = await this.collection.find({ recipient }).sort({ createdAt: -1 }).limit(limit).toArray();
    return docs.map(toDelivery);
  }
}

function toDelivery(doc: Doc): Delivery {
  const { _id, ...rest } = doc;
  return { ...(rest as Omit<Delivery, 'key'>), key: String(_id) };
}
