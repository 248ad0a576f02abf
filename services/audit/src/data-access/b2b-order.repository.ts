import type { B2bOrder } from '@orderpulse/contracts';
import type mongoose from 'mongoose';

type Doc = mongoose.mongo.Document;

function toOrder(doc: Doc | null): B2bOrder | undefined {
  if (!doc) return undefined;
  const { _id, ...rest } = doc;
  return { ...(rest as Omit<B2bOrder, 'orderNo'>), orderNo: String(_id) };
}

/** The B2B orders sent for review, as the trading platform confirmed them: the audit service's own copy. */
export class B2bOrderRepository {
  readonly collection: mongoose.mongo.Collection;

  constructor(db: mongoose.mongo.Db) {
    this.collection = db.collection('orders');
  }

  async createIndexes(): Promise<void> {
    await this.collection.createIndex({ preOrderNo: 1 }, { name: 'by_pre_order' });
  }

  /** Keeps the latest confirmation of an order; an older one arriving late changes nothing. */
  async save(order: B2bOrder): Promise<'saved' | 'stale'> {
    const { orderNo, ...rest } = order;
    const found = await this.collection.findOne({ _id: orderNo } as Doc, { projection: { confirmedAt: 1 } });
    if (found && String(found.confirmedAt) > rest.confirmedAt) return 'stale';
    await this.collection.replaceOne({ _id: orderNo } as Doc, rest, { upsert: true });
    return 'saved';
  }

  /** The order a notification names: by order number, else by pre-order number. */
  async find(target: { orderNo?: string | undefined; preOrderNo?: string | undefined }): Promise<B2bOrder | undefined> {
    if (target.orderNo) {
      const byNo = toOrder(await this.collection.findOne({ _id: target.orderNo } as Doc));
      if (byNo) return byNo;
    }
    if (target.preOrderNo) return toOrder(await this.collection.findOne({ preOrderNo: target.preOrderNo }));
    return undefined;
  }
}
