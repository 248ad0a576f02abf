import { z } from 'zod';

import { defineEvent } from '../define-event';
import { Locale } from '../order-words';
import { Topics } from '../topics';

/** The checks an order must pass before it is taken. */
export const PlacementCheck = z.enum([
  'merchant_identity',
  'store_open',
  'product_exists',
  'product_available',
  'product_price',
]);
export type PlacementCheck = z.infer<typeof PlacementCheck>;

/** An order failed a check and was not taken; says which check and why. */
export const OrderRefused = defineEvent({
  type: 'order.refused',
  version: 1,
  topic: Topics.orderEvents,
  summary: 'An order was not taken: the check that failed and why, for the customer and the storefront.',
  schema: z.object({
    orderId: z.string(),
    customerId: z.string(),
    merchantId: z.string(),
    storeId: z.string(),
    check: PlacementCheck,
    reason: z.string(),
    /** The customer's language, for the message that tells them. */
    locale: Locale.optional(),
    storefront: z.object({ storefrontId: z.string(), externalRef: z.string() }).optional(),
  }),
  example: {
    orderId: 'ord_01J9Z8Q5',
    customerId: 'c-42',
    merchantId: 'm-1001',
    storeId: 's-1001',
    check: 'store_open',
    reason: 'the store is closed until 10:00',
    locale: 'zh-CN',
  },
});
