import type mongoose from 'mongoose';

import { busyStatuses, type DeliveryTerminal } from '../domain/delivery-assignment';
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
    for (const terminal of await this.terminals
      .find({ orders: { $exists: false } }, { projection: { _id: 1 } })
      .toArray()) {
      const held = await this.orders
        .find({ terminalId: String(terminal._id), status: { $in: [...busyStatuses] } }, { projection: { _id: 1 } })
        .toArray();
      if (held.length > 0)
        await this.terminals.updateOne(
          { _id: terminal._id },
          { $addToSet: { orders: { $each: held.map((o) => String(o._id)) } } },
        );
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
   * The terminals an order of `region` is chosen among (`chooseTerminal`): the region's active
   * terminals that did not decline it, or — when there is none — up to a hundred active ones
   * elsewhere, the fallback. One query when the region has one. Each comes with its load when
   * there is a choice to make (more than one): how many of the orders it lists (`orders`, see
   * `holdFor`) are assigned to it and not yet delivered, as the orders themselves say. Counted
   * from the orders, not kept as a counter beside the assignment, so a crash between two writes
   * cannot make it drift; read by id, so it costs what the terminals hold (delivered orders are
   * taken off, `release`), not what the order history holds. Orders it will not hold (none such,
   * another's, done) are taken off its list then; one listed for an assignment still under way
   * stays, uncounted. A lone candidate's load is not read (0): it is chosen whatever it is.
   */
  async terminalsFor(region: string, declinedBy: readonly string[] = []): Promise<DeliveryTerminal[]> {
    const open = (docs: Doc[]) => docs.filter((d) => !declinedBy.includes(String(d._id)));
    const local = open(await this.terminals.find({ regions: region, active: true }).toArray());
    const pool =
      local.length > 0 ? local : open(await this.terminals.find({ active: true }).limit(FALLBACK_TERMINALS).toArray());
    const loads =
      pool.length > 1
        ? await this.loads(
            pool.map((d) => ({
              terminalId: String(d._id),
              orders: Array.isArray(d.orders) ? (d.orders as string[]) : [],
            })),
          )
        : new Map<string, number>();
    return pool.map((d) => ({
      terminalId: String(d._id),
      regions: d.regions as string[],
      active: d.active as boolean,
      load: loads.get(String(d._id)) ?? 0,
    }));
  }

  /** Takes an order off a terminal's list once the terminal no longer holds it (delivered): the list stays what the terminal carries. */
  async release(terminalId: string, orderId: string): Promise<void> {
    await this.terminals.updateOne({ _id: terminalId } as Doc, { $pull: { orders: orderId } } as Doc);
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
    for (const o of await this.orders
      .find({ _id: { $in: ids } } as Doc, { projection: { terminalId: 1, status: 1 } })
      .toArray()) {
      found.set(String(o._id), {
        ...(typeof o.terminalId === 'string' ? { terminalId: o.terminalId } : {}),
        busy: (busyStatuses as readonly string[]).includes(o.status as string),
      });
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
      if (gone.length > 0)
        await this.terminals.updateOne({ _id: terminalId } as Doc, { $pullAll: { orders: gone } } as Doc);
    }
    return loads;
  }

  async saveTerminal(terminal: Omit<DeliveryTerminal, 'load'>): Promise<void> {
    const { terminalId, ...rest } = terminal;
    await this.terminals.updateOne(
      { _id: terminalId } as Doc,
      { $set: rest, $setOnInsert: { orders: [] } },
      { upsert: true },
    );
  }
}
