import type { OutgoingEvent } from '@orderpulse/contracts';
import type { Principal } from '@orderpulse/service-kit';

import type { DeliveryTerminal } from '../delivery-assignment';
import type { HistoryEntry, Order } from '../order';
import type { Store } from '../placement';

/** The ports the order use cases work through; the data-access layer provides them. */
export interface OrderPorts {
  orders: {
    insert(order: Order, events: readonly OutgoingEvent[]): Promise<{ created: boolean; order: Order }>;
    get(orderId: string): Promise<Order | undefined>;
    /** The order as this instance last wrote or read it, without a read: a guess a conditional change may decide on. */
    recent(orderId: string): Order | undefined;
    update(
      orderId: string,
      version: number,
      change: {
        set: Partial<Omit<Order, 'orderId' | 'version' | 'history'>>;
        unset?: (keyof Order)[];
        history: HistoryEntry;
        push?: Record<string, unknown>;
      },
      events: readonly OutgoingEvent[],
    ): Promise<Order | undefined>;
  };
  catalog: {
    store(storeId: string): Promise<Store | undefined>;
    /** The terminals an order of `region` is chosen among, those in `declinedBy` left out; loads read only when there is a choice. */
    terminalsFor(region: string, declinedBy?: readonly string[]): Promise<DeliveryTerminal[]>;
    holdFor(terminalId: string, orderId: string): Promise<void>;
    release(terminalId: string, orderId: string): Promise<void>;
  };
  timers: {
    scheduleAt(id: string, at: Date, data: { orderId: string }): Promise<void>;
    /** As `scheduleAt`, replacing a finished timer kept under the id (one that ran for a placement never stored). */
    scheduleAfresh(id: string, at: Date, data: { orderId: string }): Promise<void>;
  };
  /** Called after every committed change: offers an order waiting for a rider, and wakes waiting customers. */
  committed(order: Order): void;
  clock(): Date;
  settings: {
    defaultResponseWindowSeconds: number;
    source: string;
    orderEventsTopic: string;
    storefrontRepliesTopic: string;
  };
}

export type Actor = Pick<Principal, 'role' | 'subject' | 'tenant'>;

/** The deadline job's id: one per order, so scheduling it again is harmless. */
export function deadlineJobId(orderId: string): string {
  return `response-deadline.${orderId}`;
}
