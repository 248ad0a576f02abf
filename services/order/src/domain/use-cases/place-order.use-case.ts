import { newEvent, OrderPlaced, OrderRefused, type PlaceOrder } from '@orderpulse/contracts';
import { AppError } from '@orderpulse/service-kit';

import { type Order, snapshotOf } from '../order';
import { checkPlacement } from '../placement';
import { deadlineJobId, type OrderPorts } from './deps';

export interface PlaceOrderInput extends PlaceOrder {
  /** Derived from the storefront's reference or the client's idempotency key, so a retry places nothing new. */
  orderId: string;
  storefront?: { storefrontId: string; externalRef: string };
}

export type PlaceOrderResult = { placed: true; order: Order; duplicate: boolean } | { placed: false; order: Order; duplicate: boolean };

/**
 * Places an order (HTTP and the storefront topic both come here): checks it, stores it as
 * `new` with an absolute response deadline and its event, and starts the countdown. A failed
 * check stores the refusal with an event saying why. Idempotent by order id.
 */
export async function placeOrder(ports: OrderPorts, input: PlaceOrderInput): Promise<PlaceOrderResult> {
  const now = ports.clock();
  const existing = await ports.orders.get(input.orderId);
  if (existing) return { placed: existing.status !== 'refused', order: existing, duplicate: true };

  const store = await ports.catalog.store(input.storeId);
  const verdict = checkPlacement(input, store, now);
  const windowSeconds = store?.responseWindowSeconds ?? ports.settings.defaultResponseWindowSeconds;
  const order: Order = {
    orderId: input.orderId,
    version: 1,
    status: verdict.ok ? 'new' : 'refused',
    merchantId: input.merchantId,
    storeId: input.storeId,
    storeName: store?.name,
    customerId: input.customerId,
    locale: input.locale,
    currency: input.currency,
    total: verdict.ok ? verdict.total : 0,
    lines: input.lines,
    delivery: input.delivery,
    note: input.note,
    storefront: input.storefront,
    placedAt: now,
    responseDeadline: new Date(now.getTime() + (verdict.ok ? windowSeconds * 1_000 : 0)),
    refusal: verdict.ok ? undefined : { check: verdict.check, reason: verdict.reason },
    declinedBy: [],
    history: [{ at: now, by: { role: 'customer', subject: input.customerId }, action: verdict.ok ? 'place' : 'refuse', from: null, to: verdict.ok ? 'new' : 'refused', ...(verdict.ok ? {} : { reason: verdict.reason }) }],
  };
  const source = ports.settings.source;
  const event = verdict.ok
    ? newEvent(OrderPlaced, { source, subject: order.orderId, data: { ...snapshotOf(order, now), ...(input.storefront ? { storefront: input.storefront } : {}) } })
    : newEvent(OrderRefused, {
        source,
        subject: order.orderId,
        data: { orderId: order.orderId, customerId: order.customerId, merchantId: order.merchantId, storeId: order.storeId, check: verdict.check, reason: verdict.reason, locale: order.locale, ...(input.storefront ? { storefront: input.storefront } : {}) },
      });
  const { created, order: stored } = await ports.orders.insert(order, [{ topic: ports.settings.orderEventsTopic, event }]);
  if (created) {
    ports.committed(stored);
    if (verdict.ok) await ports.timers.scheduleAt(deadlineJobId(stored.orderId), stored.responseDeadline, { orderId: stored.orderId });
  }
  return { placed: stored.status !== 'refused', order: stored, duplicate: !created };
}

/** The HTTP face of a refusal: 422 naming the check. */
export function refusalProblem(order: Order): AppError {
  return new AppError('UNPROCESSABLE', order.refusal?.reason ?? 'order refused', { check: order.refusal?.check, orderId: order.orderId });
}
