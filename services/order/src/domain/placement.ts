import { createHash } from 'node:crypto';

import type { PlacedOrderLine, PlacementCheck, PlaceOrder } from '@orderpulse/contracts';

/** A store as the order service knows it: who owns it, when it is open, what it sells. */
export interface Store {
  storeId: string;
  merchantId: string;
  name: string;
  active: boolean;
  paused: boolean;
  /** IANA time zone of the opening hours. */
  timeZone: string;
  /** Opening hours per weekday (0 = Sunday), as "HH:MM-HH:MM" local times; empty = closed. */
  hours: Record<string, string[]>;
  /** The merchant's response window; the service default when unset. */
  responseWindowSeconds?: number | undefined;
  products: { productId: string; name: string; price: number; available: boolean }[];
}

/** A taken order's total and its lines, each with the product's name as the store has it now (kept with the order). */
export type PlacementVerdict =
  { ok: true; total: number; lines: PlacedOrderLine[] } | { ok: false; check: PlacementCheck; reason: string };

function localTime(now: Date, timeZone: string): { weekday: number; minutes: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(now);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const weekday = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(get('weekday'));
  return { weekday, minutes: Number(get('hour')) * 60 + Number(get('minute')) };
}

function toMinutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

/** Whether the store takes orders at `now`: active, not paused, inside today's hours (spans past midnight allowed). */
export function isOpen(store: Store, now: Date): boolean {
  if (!store.active || store.paused) return false;
  const { weekday, minutes } = localTime(now, store.timeZone);
  const yesterday = (weekday + 6) % 7;
  const inSpan = (span: string, day: 'today' | 'yesterday') => {
    const [open, close] = span.split('-').map(toMinutes) as [number, number];
    if (open <= close) return day === 'today' && minutes >= open && minutes < close;
    return day === 'today' ? minutes >= open : minutes < close;
  };
  return (
    (store.hours[String(weekday)] ?? []).some((s) => inSpan(s, 'today')) ||
    (store.hours[String(yesterday)] ?? []).some((s) => inSpan(s, 'yesterday'))
  );
}

/**
 * The server's checks before an order is taken (seed 002: merchant identity, store state,
 * product state), in that order; the first that fails is named.
 */
export function checkPlacement(order: PlaceOrder, store: Store | undefined, now: Date): PlacementVerdict {
  if (!store || store.merchantId !== order.merchantId || !store.active) {
    return {
      ok: false,
      check: 'merchant_identity',
      reason: `store ${order.storeId} does not belong to an active merchant ${order.merchantId}`,
    };
  }
  if (!isOpen(store, now)) {
    return {
      ok: false,
      check: 'store_open',
      reason: store.paused ? `${store.name} has paused taking orders` : `${store.name} is closed now`,
    };
  }
  let total = 0;
  const lines: PlacedOrderLine[] = [];
  for (const line of order.lines) {
    const product = store.products.find((p) => p.productId === line.productId);
    if (!product)
      return { ok: false, check: 'product_exists', reason: `product ${line.productId} is not sold by ${store.name}` };
    if (!product.available)
      return { ok: false, check: 'product_available', reason: `${product.name} is not available now` };
    if (product.price !== line.unitPrice) {
      return {
        ok: false,
        check: 'product_price',
        reason: `${product.name} costs ${product.price}, not the quoted ${line.unitPrice}`,
      };
    }
    total += product.price * line.quantity;
    lines.push({ productId: line.productId, name: product.name, quantity: line.quantity, unitPrice: line.unitPrice });
  }
  return { ok: true, total, lines };
}

/** The order id of a storefront's order: the same reference always maps to the same order. */
export function storefrontOrderId(storefrontId: string, externalRef: string): string {
  return `sf_${createHash('sha256').update(`${storefrontId}\n${externalRef}`).digest('hex').slice(0, 32)}`;
}
