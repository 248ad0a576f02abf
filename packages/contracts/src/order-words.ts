import { z } from 'zod';

import type { OrderStatus } from './events/order-snapshot';

/** The languages people are written to in (BCP 47 tags): every message, card and template has both. */
export const Locale = z.enum(['zh-CN', 'en']);
export type Locale = z.infer<typeof Locale>;

/**
 * What each order status is called where people read it: a push's title, a realtime message, a
 * synthesized status card. One wording for every service, in lower case as it stands inside a
 * sentence (`Order #A1B2C3: meal handed over`); a card that starts with it capitalises it
 * ({@link capitalised}). The Chinese words are the seeds' (seed 000's statuses, seed 002's
 * 接单 / 拒单 / 未连接 / 未答复).
 */
export const orderStatusLabels: Readonly<Record<OrderStatus, Readonly<Record<Locale, string>>>> = {
  refused: { en: 'order not placed', 'zh-CN': '订单未提交' },
  new: { en: 'order paid', 'zh-CN': '订单已支付' },
  connected: { en: 'the store has the order', 'zh-CN': '商家已收到订单' },
  accepted: { en: 'the store accepted the order', 'zh-CN': '商家已接单' },
  rejected: { en: 'the store declined', 'zh-CN': '商家已拒单' },
  returned: { en: 'order returned', 'zh-CN': '订单已退回' },
  dispatched: { en: 'handed on for delivery', 'zh-CN': '已交付配送' },
  not_connected: { en: 'store unreachable', 'zh-CN': '商家未连接' },
  not_answered: { en: 'the store did not answer', 'zh-CN': '商家未答复' },
  rider_took: { en: 'rider on the way', 'zh-CN': '骑手已接单' },
  rider_at_store: { en: 'rider at the store', 'zh-CN': '骑手已到店' },
  picked_up: { en: 'meal handed over', 'zh-CN': '商家已出餐' },
  delivered: { en: 'delivered', 'zh-CN': '已送达' },
};

/** The label with its first letter in upper case, for where it begins a line (Chinese is unchanged). */
export function capitalised(label: string): string {
  return label.charAt(0).toUpperCase() + label.slice(1);
}

/**
 * How every message, card and screen writes an order for people: `#` and the order id's last six
 * characters, in upper case (`ord_01J9Z8Q5` → `#J9Z8Q5`). Not the B2B `orderNo`, which is the trading
 * platform's own number.
 */
export function shortOrderNumber(orderId: string): string {
  return `#${orderId.slice(-6).toUpperCase()}`;
}
