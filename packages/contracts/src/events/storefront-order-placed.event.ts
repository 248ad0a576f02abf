import { z } from 'zod';

import { defineEvent } from '../define-event';
import { humanText } from '../human-text';
import { Topics } from '../topics';

export const Money = z.number().int().nonnegative().describe('an amount in the currency’s minor unit (cents, fen)');

/**
 * A price of one unit, in the currency's minor unit, at most 10¹⁰ (a hundred million yuan): with
 * at most 100 lines of at most 999 units, an order's total stays below 10¹⁵, inside the integers
 * JSON numbers and JavaScript carry exactly (2⁵³ − 1), so no total can overflow.
 */
export const UnitPrice = Money.max(10_000_000_000);

export const OrderLine = z.object({
  productId: z.string().min(1).max(64),
  quantity: z.number().int().min(1).max(999),
  unitPrice: UnitPrice,
});

/**
 * A storefront's id, which is also its tokens' tenant: 1–64 visible ASCII characters without
 * `/`, so `<storefrontId>/<anything>` names one storefront's thing unambiguously.
 */
export const StorefrontId = z
  .string()
  .regex(/^[!-.0-~]{1,64}$/, 'a storefront id is 1–64 visible ASCII characters without "/"');

/** A storefront's own reference for an order: 1–128 visible ASCII characters (no spaces, no control characters). */
export const ExternalRef = z
  .string()
  .regex(/^[!-~]{1,128}$/, 'a storefront reference is 1–128 visible ASCII characters');

/**
 * The customer of a storefront's order, as orderpulse knows them: `<storefrontId>/<customerId>`.
 * A storefront names its customers in its own namespace; without the prefix, a storefront could
 * place orders (and so send notices) to anyone's account. A token for such a customer names this
 * as its subject, and an issuer gives no other customer a subject with a `/`.
 */
export function storefrontCustomerId(storefrontId: string, customerId: string): string {
  return `${storefrontId}/${customerId}`;
}

/** The Kafka key and CloudEvents subject of a storefront reply: `<storefrontId>/<externalRef>`, one storefront's order. */
export function storefrontReplyKey(reference: { storefrontId: string; externalRef: string }): string {
  return `${reference.storefrontId}/${reference.externalRef}`;
}

/** The CloudEvents source a storefront's records carry: `storefront/<storefrontId>`, the storefront the data names. */
export function storefrontSource(storefrontId: string): string {
  return `storefront/${storefrontId}`;
}

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

/**
 * What an upstream storefront emits when its customer places an order. Key: the storefront's
 * order reference; `ce_source`: `storefront/<storefrontId>`, naming the storefront the data does
 * (a record that names another is dead-lettered). That is a consistency check, not authentication:
 * whoever may write the topic (Kafka ACLs) may name any storefront.
 */
export const StorefrontOrderPlaced = defineEvent({
  type: 'storefront-order.placed',
  version: 1,
  topic: Topics.storefrontOrders,
  summary:
    'An upstream storefront asks orderpulse to take an order; idempotent by (storefrontId, externalRef). Its ce_source is storefront/<storefrontId>.',
  key: 'the storefront’s order reference (externalRef)',
  schema: PlaceOrder.extend({
    storefrontId: StorefrontId,
    externalRef: ExternalRef,
  }),
  example: {
    storefrontId: 'shop-web',
    externalRef: 'SW-2026-000123',
    merchantId: 'm-1001',
    storeId: 's-1001',
    customerId: 'c-42',
    currency: 'CNY',
    lines: [{ productId: 'p-noodles', quantity: 2, unitPrice: 1800 }],
    delivery: {
      line: '88 Century Avenue, 12F',
      region: 'pudong',
      contactName: 'Li Wei',
      contactPhone: '+86 138 0000 0000',
    },
    locale: 'zh-CN',
  },
});
