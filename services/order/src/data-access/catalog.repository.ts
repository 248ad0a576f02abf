import type mongoose from 'mongoose';

import { busyStatuses, type Terminal } from '../domain/delivery-assignment';
import type { Store } from '../domain/placement';

type Doc = mongoose.mongo.Document;

/** How many terminals outside the order's region the least-loaded fallback weighs. */
const FALLBACK_TERMINALS = 100;

/** Stores (with their products and hours) and delivery terminals: the reference data orders are checked against. */
export class CatalogRepository {
  private readonly stores: mongoose.mongo.Collection;
  private readonly terminals: mongoose.mongo.Collection;
  private readonly orders: mongoose.mongo.Collection;

  constructor(db: mongoose.mongo.Db) {
    this.stores = db.collection('stores');
    this.terminals = db.collection('terminals');
    this.orders = db.collection('orders');
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

  /**
   * The region's active terminals, and up to a hundred active ones elsewhere for the fallback,
   * each with its load counted from the orders assigned to it and not yet delivered. Counted,
   * not kept as a counter beside the assignment: a crash between two writes cannot make it drift.
   */
  async terminalsFor(region: string): Promise<Terminal[]> {
    const local = await this.terminals.find({ regions: region, active: true }).toArray();
    const others = await this.terminals.find({ active: true }).limit(FALLBACK_TERMINALS).toArray();
    const seen = new Set<string>();
    const terminals = [...local, ...others].filter((d) => !seen.has(String(d._id)) && seen.add(String(d._id)));
    const loads = await this.loads([...seen]);
    return terminals.map((d) => ({ terminalId: String(d._id), regions: d.regions as string[], active: d.active as boolean, load: loads.get(String(d._id)) ?? 0 }));
  }

  private async loads(terminalIds: string[]): Promise<Map<string, number>> {
    if (terminalIds.length === 0) return new Map();
    const counted = await this.orders
      .aggregate<{ _id: string; load: number }>([{ $match: { terminalId: { $in: terminalIds }, status: { $in: [...busyStatuses] } } }, { $group: { _id: '$terminalId', load: { $sum: 1 } } }])
      .toArray();
    return new Map(counted.map((c) => [String(c._id), c.load]));
  }

  async saveTerminal(terminal: Omit<Terminal, 'load'>): Promise<void> {
    const { terminalId, ...rest } = terminal;
    await this.terminals.updateOne({ _id: terminalId } as Doc, { $set: rest }, { upsert: true });
  }
}
