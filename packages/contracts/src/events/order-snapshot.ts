import { z } from 'zod';

import { Locale } from '../order-words';
import { DeliveryAddress, Money, OrderLine } from './storefront-order-placed.event';

/**
 * A line of a placed order: what the customer asked for, with the product's name as the store
 * had it when the order was placed — what the merchant, the rider and old orders show, whatever
 * the catalogue says later. `name` is absent only on orders placed before names were kept.
 */
/** A line as taken (outputs): any stored price, so orders taken before `UnitPrice` bounded input still describe themselves. */
export const PlacedOrderLine = OrderLine.extend({
  unitPrice: Money,
  name: z.string().min(1).max(120).optional().describe('the product’s name when the order was placed'),
});
export type PlacedOrderLine = z.infer<typeof PlacedOrderLine>;

/** Every status an order passes through: the merchant's response, then delivery. */
export const OrderStatus = z.enum([
  'refused',
  'new',
  'connected',
  'accepted',
  'rejected',
  'returned',
  'dispatched',
  'not_connected',
  'not_answered',
  'rider_took',
  'rider_at_store',
  'picked_up',
  'delivered',
]);
export type OrderStatus = z.infer<typeof OrderStatus>;

/** The one countdown everyone shows: an absolute deadline and the server's clock when it was said. */
export const Countdown = z.object({
  deadline: z.iso.datetime(),
  serverTime: z.iso.datetime(),
});

/** What every order event carries about the order, so consumers need not ask for it. */
export const OrderSnapshot = z.object({
  orderId: z.string(),
  version: z.number().int().nonnegative(),
  status: OrderStatus,
  merchantId: z.string(),
  storeId: z.string(),
  /** The store's display name, for texts and synthesized images; absent from older producers. */
  storeName: z.string().optional(),
  customerId: z.string(),
  locale: Locale,
  currency: z.string(),
  total: Money,
  lines: z.array(PlacedOrderLine),
  delivery: DeliveryAddress,
  countdown: Countdown,
  terminalId: z.string().optional(),
});
export type OrderSnapshot = z.infer<typeof OrderSnapshot>;

export const exampleSnapshot: z.input<typeof OrderSnapshot> = {
  orderId: 'ord_01J9Z8Q4',
  version: 1,
  status: 'new',
  merchantId: 'm-1001',
  storeId: 's-1001',
  customerId: 'c-42',
  locale: 'zh-CN',
  currency: 'CNY',
  total: 3600,
  lines: [{ productId: 'p-noodles', name: 'Beef noodles', quantity: 2, unitPrice: 1800 }],
  delivery: {
    line: '88 Century Avenue, 12F',
    region: 'pudong',
    contactName: 'Li Wei',
    contactPhone: '+86 138 0000 0000',
  },
  countdown: { deadline: '2026-11-21T10:03:00.000Z', serverTime: '2026-11-21T10:00:00.000Z' },
};
