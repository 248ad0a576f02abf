import type { OrderSnapshot, OrderStatus, PlacedOrderLine, PlacementCheck } from '@orderpulse/contracts';

import type { ActorRole, OrderAction } from './order-state-machine';

/** One line of an order's history: who changed what, when, and why. */
export interface HistoryEntry {
  at: Date;
  by: { role: ActorRole; subject: string };
  action: OrderAction | 'place' | 'refuse' | 'assign' | 'await_rider' | 'decline' | 'report_stocking' | 'set_eta';
  from: OrderStatus | null;
  to: OrderStatus;
  reason?: string;
}

/** An order as the order service keeps it. */
export interface Order {
  orderId: string;
  version: number;
  status: OrderStatus;
  merchantId: string;
  storeId: string;
  /** The store's name when the order was placed, for texts and the media service's images. */
  storeName?: string | undefined;
  customerId: string;
  locale: 'zh-CN' | 'en';
  currency: string;
  total: number;
  /** As ordered; a taken order's lines carry the product's name as it was then (absent on orders stored before names were kept). */
  lines: PlacedOrderLine[];
  delivery: { line: string; region: string; contactName: string; contactPhone: string };
  note?: string | undefined;
  storefront?: { storefrontId: string; externalRef: string } | undefined;
  /** What was asked for, as a digest (`placementDigest`): a retry under the same order id must ask for the same (absent on orders stored before). */
  placementDigest?: string | undefined;
  placedAt: Date;
  responseDeadline: Date;
  /**
   * Stored but not yet announced: the first of the two writes of a placement. The second sets
   * the response window from the moment the first was stored and publishes `order.placed`; a
   * placement cut short between them is finished by the client's retry or the reconciler.
   */
  placing?: boolean | undefined;
  refusal?: { check: PlacementCheck; reason: string } | undefined;
  terminalId?: string | undefined;
  /** Since when an accepted order has waited for a terminal (none eligible); cleared when one is assigned. */
  awaitingRiderSince?: Date | undefined;
  declinedBy: string[];
  stocking?: { status: 'success' | 'failure'; reason?: string | undefined; at: Date } | undefined;
  expectedDeliveryAt?: Date | undefined;
  history: HistoryEntry[];
}

/** What every answer and event says about an order, with the countdown as the server sees it now. */
export function snapshotOf(order: Order, now: Date): OrderSnapshot {
  return {
    orderId: order.orderId,
    version: order.version,
    status: order.status,
    merchantId: order.merchantId,
    storeId: order.storeId,
    ...(order.storeName ? { storeName: order.storeName } : {}),
    customerId: order.customerId,
    locale: order.locale,
    currency: order.currency,
    total: order.total,
    lines: order.lines,
    delivery: order.delivery,
    countdown: { deadline: order.responseDeadline.toISOString(), serverTime: now.toISOString() },
    ...(order.terminalId ? { terminalId: order.terminalId } : {}),
  };
}

/** Who may see an order: its customer, its store's merchant, the terminal it is assigned to, the storefront that placed it. */
export function canView(
  principal: { role: string; subject: string; tenant?: string | undefined },
  order: Order,
): boolean {
  switch (principal.role) {
    case 'customer':
      return order.customerId === principal.subject;
    case 'merchant':
      return order.merchantId === principal.tenant;
    case 'rider':
      return order.terminalId === principal.subject;
    case 'storefront':
      return order.storefront !== undefined && order.storefront.storefrontId === principal.tenant;
    case 'admin':
      return true;
    default:
      return false;
  }
}
