import { createHash } from 'node:crypto';

import {
  newEvent,
  OrderPlaced,
  OrderRefused,
  type OutgoingEvent,
  type PlaceOrder,
  StorefrontOrderRefused,
  StorefrontOrderTaken,
  storefrontReplyKey,
} from '@orderpulse/contracts';
import { AppError, LOST_RACE, retryOnConflict } from '@orderpulse/service-kit';
import { stringify } from 'safe-stable-stringify';

import { type Order, snapshotOf } from '../order';
import { checkPlacement } from '../placement';
import { deadlineJobId, type OrderPorts } from './ports';

export interface PlaceOrderInput extends PlaceOrder {
  /** Derived from the storefront's reference or the client's idempotency key, so a retry places nothing new. */
  orderId: string;
  storefront?: { storefrontId: string; externalRef: string };
}

export type PlaceOrderResult =
  { placed: true; order: Order; duplicate: boolean } | { placed: false; order: Order; duplicate: boolean };

/**
 * What a placement asks for, as a digest: everything the caller sent (the storefront's id and
 * reference included) but the order id derived from it, in a canonical JSON (keys sorted),
 * after the schema's defaults. Versioned (`v1.`): a release that changes a default or adds a
 * field starts `v2.`, and digests of different versions are not compared.
 */
export function placementDigest(input: PlaceOrderInput): string {
  const { orderId: _derived, ...asked } = input;
  return `${DIGEST_VERSION}${createHash('sha256').update(stringify(asked)).digest('base64url')}`;
}

const DIGEST_VERSION = 'v1.';

/**
 * A retry — the same idempotency key, the same storefront reference — answers the order it made
 * before; the same key with a different request is refused (422), never answered with another
 * order's details. Source: the IETF HTTP API draft "The Idempotency-Key HTTP Header Field", §2.7.
 */
function sameRequest(existing: Order, digest: string): void {
  if (
    existing.placementDigest === undefined ||
    !existing.placementDigest.startsWith(DIGEST_VERSION) ||
    existing.placementDigest === digest
  )
    return;
  throw new AppError(
    'UNPROCESSABLE',
    existing.storefront
      ? `the reference ${existing.storefront.externalRef} already names a different order`
      : 'this Idempotency-Key was used for a different order',
    { reused: existing.storefront ? 'externalRef' : 'Idempotency-Key' },
  );
}

/**
 * Places an order (HTTP and the storefront topic both come here): checks it, sets the
 * countdown's timer, stores the order as `new`, then — once the database has answered — sets its
 * absolute response deadline counted from that moment and publishes its event in one
 * conditional write: a slow database never eats into the merchant's window. The timer, set
 * first, fires at the earliest the deadline can be and runs again at the deadline the second
 * write set; a placement cut short between the two writes is finished by a retry (the same
 * order id) or by that timer. A failed check stores
 * the refusal with an event saying why. A storefront's order is also answered on the storefront
 * replies topic in the same write: `storefront-order.taken` or `storefront-order.refused`.
 * Idempotent by order id.
 */
export async function placeOrder(ports: OrderPorts, input: PlaceOrderInput): Promise<PlaceOrderResult> {
  const now = ports.clock();
  const digest = placementDigest(input);
  const existing = await ports.orders.get(input.orderId);
  if (existing) sameRequest(existing, digest);
  if (existing?.placing)
    return { placed: true, order: (await announcePlacement(ports, existing.orderId)) ?? existing, duplicate: true };
  if (existing) return { placed: existing.status !== 'refused', order: existing, duplicate: true };

  const store = await ports.catalog.store(input.storeId);
  const verdict = checkPlacement(input, store, now);
  const windowSeconds = store?.responseWindowSeconds ?? ports.settings.defaultResponseWindowSeconds;
  const order: Order = {
    orderId: input.orderId,
    version: verdict.ok ? 0 : 1,
    status: verdict.ok ? 'new' : 'refused',
    merchantId: input.merchantId,
    storeId: input.storeId,
    storeName: store?.name,
    customerId: input.customerId,
    locale: input.locale,
    currency: input.currency,
    total: verdict.ok ? verdict.total : 0,
    lines: verdict.ok ? verdict.lines : input.lines,
    delivery: input.delivery,
    note: input.note,
    storefront: input.storefront,
    placementDigest: digest,
    placedAt: now,
    responseDeadline: new Date(now.getTime() + (verdict.ok ? windowSeconds * 1_000 : 0)),
    refusal: verdict.ok ? undefined : { check: verdict.check, reason: verdict.reason },
    declinedBy: [],
    ...(verdict.ok
      ? { placing: true, history: [] }
      : {
          history: [
            {
              at: now,
              by: { role: 'customer', subject: input.customerId },
              action: 'refuse',
              from: null,
              to: 'refused',
              reason: verdict.reason,
            },
          ],
        }),
  };
  if (verdict.ok) {
    // The countdown's timer is set before the order is stored, at the earliest its deadline can be: a stored order
    // never lacks one while Redis keeps its data (a crash between the writes included), and it fires again at the deadline.
    // No order is stored under this id, so a finished timer kept under it ran for a placement that never got stored: replaced.
    await ports.timers.scheduleAfresh(deadlineJobId(order.orderId), order.responseDeadline, { orderId: order.orderId });
    const { created, order: stored } = await ports.orders.insert(order, []);
    if (!created) sameRequest(stored, digest);
    const announced = stored.placing ? await announcePlacement(ports, stored.orderId, windowSeconds, stored) : stored;
    return { placed: true, order: announced ?? stored, duplicate: !created };
  }
  const event = newEvent(OrderRefused, {
    source: ports.settings.source,
    subject: order.orderId,
    data: {
      orderId: order.orderId,
      customerId: order.customerId,
      merchantId: order.merchantId,
      storeId: order.storeId,
      check: verdict.check,
      reason: verdict.reason,
      locale: order.locale,
      ...(input.storefront ? { storefront: input.storefront } : {}),
    },
  });
  const reply = input.storefront && {
    topic: ports.settings.storefrontRepliesTopic,
    event: newEvent(StorefrontOrderRefused, {
      source: ports.settings.source,
      subject: storefrontReplyKey(input.storefront),
      data: { ...input.storefront, orderId: order.orderId, check: verdict.check, reason: verdict.reason },
    }),
  };
  const { created, order: stored } = await ports.orders.insert(order, [
    { topic: ports.settings.orderEventsTopic, event },
    ...(reply ? [reply] : []),
  ]);
  if (!created) sameRequest(stored, digest);
  if (created) ports.committed(stored);
  return { placed: stored.status !== 'refused', order: stored, duplicate: !created };
}

/**
 * The second write of a placement: the response window counted from now (the order is stored),
 * its history's first entry and `order.placed`, conditional on the order still being unannounced.
 * The countdown's timer, set before the first write, runs again at the deadline this one sets
 * (`runResponseDeadline`). `known`, when given, is the order as just stored or read, saving the
 * first read. Returns the order as it then is.
 */
export async function announcePlacement(
  ports: OrderPorts,
  orderId: string,
  windowSeconds?: number,
  known?: Order,
): Promise<Order | undefined> {
  let read = known;
  return retryOnConflict(`order ${orderId}`, async () => {
    const order = read ?? (await ports.orders.get(orderId));
    read = undefined;
    if (!order?.placing) return order;
    const window =
      windowSeconds ??
      (await ports.catalog.store(order.storeId))?.responseWindowSeconds ??
      ports.settings.defaultResponseWindowSeconds;
    const now = ports.clock();
    const responseDeadline = new Date(now.getTime() + window * 1_000);
    const next: Order = { ...order, placedAt: now, responseDeadline, placing: undefined, version: order.version + 1 };
    const event = newEvent(OrderPlaced, {
      source: ports.settings.source,
      subject: orderId,
      data: { ...snapshotOf(next, now), ...(order.storefront ? { storefront: order.storefront } : {}) },
    });
    const events: OutgoingEvent[] = [{ topic: ports.settings.orderEventsTopic, event }];
    if (order.storefront) {
      const data = {
        ...order.storefront,
        orderId,
        currency: order.currency,
        total: order.total,
        lines: order.lines,
        responseDeadline: responseDeadline.toISOString(),
      };
      events.push({
        topic: ports.settings.storefrontRepliesTopic,
        event: newEvent(StorefrontOrderTaken, {
          source: ports.settings.source,
          subject: storefrontReplyKey(order.storefront),
          data,
        }),
      });
    }
    const updated = await ports.orders.update(
      orderId,
      order.version,
      {
        set: { placedAt: now, responseDeadline },
        unset: ['placing'],
        history: {
          at: now,
          by: { role: 'customer', subject: order.customerId },
          action: 'place',
          from: null,
          to: 'new',
        },
      },
      events,
    );
    if (!updated) return LOST_RACE;
    ports.committed(updated);
    return updated;
  });
}

/** The HTTP face of a refusal: 422 naming the check. */
export function refusalProblem(order: Order): AppError {
  return new AppError('UNPROCESSABLE', order.refusal?.reason ?? 'order refused', {
    check: order.refusal?.check,
    orderId: order.orderId,
  });
}
