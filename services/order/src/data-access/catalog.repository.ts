import type mongoose from 'mongoose';

import type { Terminal } from '../domain/delivery-assignment';
import type { Store } from '../domain/placement';

type Doc = mongoose.mongo.Document;

/** Stores (with their products and hours) and delivery terminals: the reference data orders are checked against. */
export class CatalogRepository {
  private readonly stores: mongoose.mongo.Collection;
  private readonly terminals: mongoose.mongo.Collection;

  constructor(db: mongoose.mongo.Db) {
    this.stores = db.collection('stores');
    this.terminals = db.collection('terminals');
  }

  async createIndexes(): Promise<void> {
    await this.stores.createIndex({ merchantId: 1 }, { name: 'by_merchant' });
    await this.terminals.createIndex({ regions: 1 }, { name: 'by_region' });
  }

  async store(storeId: string): Promise<Store | undefined> {
    const doc = await this.stores.findOne({ _id: storeId } as Doc);
    if (!doc) return undefined;
    const { _id, ...rest } = doc;
    return { ...(rest as Omit<Store, 'storeId'>), storeId: String(_id) };
  }

  async saveStore(store: Store): Promise<void> {
    const { storeId, ...rest } = store;
    await this.stores.replaceOne({ _id: storeId } as Doc, rest, { upsert: true });
  }

  async terminalsFor(region: string): Promise<Terminal[]> {
    // The region's terminals, plus the least loaded elsewhere for the fallback.
    const local = await this.terminals.find({ regions: region, active: true }).toArray();
    const others = await this.terminals.find({ active: true }).sort({ load: 1 }).limit(20).toArray();
    const seen = new Set<string>();
    return [...local, ...others]
      .filter((d) => !seen.has(String(d._id)) && seen.add(String(d._id)))
      .map((d) => ({ terminalId: String(d._id), regions: d.regions as string[], active: d.active as boolean, load: (d.load as number | undefined) ?? 0 }));
  }

  async saveTerminal(terminal: Omit<Terminal, 'load'>): Promise<void> {
    const { terminalId, ...rest } = terminal;
    await this.terminals.updateOne({ _id: terminalId } as Doc, { $set: rest, $setOnInsert: { load: 0 } }, { upsert: true });
  }

  /** Load follows assignments; it steers the least-loaded choice and may lag by a moment. */
  async changeLoad(terminalId: string, by: number): Promise<void> {
    await this.terminals.updateOne({ _id: terminalId } as Doc, { $inc: { load: by } });
  }
}
