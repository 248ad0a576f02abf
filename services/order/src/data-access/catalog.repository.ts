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
    // Terminals saved before they listed their orders get the list once, from the orders.
    for (const terminal of await this.terminals.find({ orders: { $exists: false } }, { projection: { _id: 1 } }).toArray()) {
      const held = await this.orders.find({ terminalId: String(terminal._id), status: { $in: [...busyStatuses] } }, { projection: { _id: 1 } }).toArray();
      if (held.length > 0) await this.terminals.updateOne({ _id: terminal._id }, { $addToSet: { orders: { $each: held.map((o) => String(o._id)) } } });
      else await this.terminals.updateOne({ _id: terminal._id, orders: null }, { $set: { orders: [] } });
    }
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
   * each with its load: how many of the orders it lists (`orders`, see `holdFor`) are assigned to
   * it and not yet delivered, as the orders themselves say. Counted from the orders, not kept as a
   * counter beside the assignment, so a crash between two writes cannot make it drift; read by id,
   * so it costs what the terminals hold, not what the order history holds. Orders it will not
   * hold (none such, another's, done) are taken off its list; one listed for an assignment still
   * under way stays, uncounted.
   */
  async terminalsFor(region: string): Promise<Terminal[]> {
    const local = await this.terminals.find({ regions: region, active: true }).toArray();
    const others = await this.terminals.find({ active: true }).limit(FALLBACK_TERMINALS).toArray();
    const seen = new Set<string>();
    const terminals = [...local, ...others].filter((d) => !seen.has(String(d._id)) && seen.add(String(d._id)));
    const loads = await this.loads(terminals.map((d) => ({ terminalId: String(d._id), orders: Array.isArray(d.orders) ? (d.orders as string[]) : [] })));
    return terminals.map((d) => ({ terminalId: String(d._id), regions: d.regions as string[], active: d.active as boolean, load: loads.get(String(d._id)) ?? 0 }));
  }

  /**
   * Lists an order on a terminal before the order is assigned to it: the list may name an order
   * the terminal does not hold (the assignment lost, or done since), never miss one it does.
   */
  async holdFor(terminalId: string, orderId: string): Promise<void> {
    await this.terminals.updateOne({ _id: terminalId } as Doc, { $addToSet: { orders: orderId } });
  }

  private async loads(terminals: { terminalId: string; orders: string[] }[]): Promise<Map<string, number>> {
    const ids = [...new Set(terminals.flatMap((t) => t.orders))];
    if (ids.length === 0) return new Map();
    const found = new Map<string, { terminalId?: string; busy: boolean }>();
    for (const o of await this.orders.find({ _id: { $in: ids } } as Doc, { projection: { terminalId: 1, status: 1 } }).toArray()) {
      found.set(String(o._id), { ...(typeof o.terminalId === 'string' ? { terminalId: o.terminalId } : {}), busy: (busyStatuses as readonly string[]).includes(o.status as string) });
    }
    const loads = new Map<string, number>();
    for (const { terminalId, orders } of terminals) {
      const held = orders.filter((id) => found.get(id)?.terminalId === terminalId && found.get(id)?.busy);
      // Gone: no such order, held by another terminal, or done. One still waiting for its
      // assignment (listed a moment before it) stays listed, uncounted.
      const gone = orders.filter((id) => {
        const o = found.get(id);
        return !o || !o.busy || (o.terminalId !== undefined && o.terminalId !== terminalId);
      });
      loads.set(terminalId, held.length);
      if (gone.length > 0) await this.terminals.updateOne({ _id: terminalId } as Doc, { $pullAll: { orders: gone } } as Doc);
    }
    return loads;
  }

  async saveTerminal(terminal: Omit<Terminal, 'load'>): Promise<void> {
    const { terminalId, ...rest } = terminal;
    await this.terminals.updateOne({ _id: terminalId } as Doc, { $set: rest, $setOnInsert: { orders: [] } }, { upsert: true });
  }
}
