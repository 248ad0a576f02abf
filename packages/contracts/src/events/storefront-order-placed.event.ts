import { z } from 'zod';

import { defineEvent } from '../define-event';
import { humanText } from '../human-text';
import { Topics } from '../topics';

export const Money = z.number().int().nonnegative().describe('an amount in the currency’s minor unit (cents, fen)');

export const OrderLine = z.object({
  productId: z.string().min(1).max(64),
  quantity: z.number().int().min(1).max(999),
  unitPrice: Money,
});

export const DeliveryAddress = z.object({
  line: humanText(300, { trim: false }),
  region: z.string().min(1).max(64).describe('the delivery region, used to pick a delivery terminal'),
  contactName: humanText(80, { trim: false }),
  contactPhone: z.string().min(3).max(32),
});

export const PlaceOrder = z.object({
  merchantId: z.string().min(1).max(64),
  storeId: z.string().min(1).max(64),
  customerId: z.string().min(1).max(64),
  currency: z.string().regex(/^[A-Z]{3}$/),
  lines: z.array(OrderLine).min(1).max(100),
  delivery: DeliveryAddress,
  note: humanText(500, { min: 0, trim: false }).optional(),
  locale: z.enum(['zh-CN', 'en']).default('zh-CN'),
});
export type PlaceOrder = z.infer<typeof PlaceOrder>;

/** What an upstream storefront emits when its customer places an order. Key: the storefront's order reference. */
export const StorefrontOrderPlaced = defineEvent({
  type: 'storefront-order.placed',
  version: 1,
  topic: Topics.storefrontOrders,
  summary: 'An upstream storefront asks orderpulse to take an order; idempotent by (storefrontId, externalRef).',
  schema: PlaceOrder.extend({
    storefrontId: z.string().min(1).max(64),
    externalRef: z.string().min(1).max(128),
  }),
  example: {
    storefrontId: 'shop-web',
    externalRef: 'SW-2026-000123',
    merchantId: 'm-1001',
    storeId: 's-1001',
    customerId: 'c-42',
    currency: 'CNY',
    lines: [{ productId: 'p-noodles', quantity: 2, unitPrice: 1800 }],
    delivery: { line: '88 Century Avenue, 12F', region: 'pudong', contactName: 'Li Wei', contactPhone: '+86 138 0000 0000' },
    locale: 'zh-CN',
  },
});
