import { z } from 'zod';

import { defineEvent } from '../define-event';
import { Topics } from '../topics';
import { PlacementCheck } from './order-refused.event';
import { PlacedOrderLine } from './order-snapshot';
import { ExternalRef, Money, StorefrontId } from './storefront-order-placed.event';

/** The storefront's own name for an order: its id (the token's tenant) and its reference. */
export const StorefrontReference = z.object({
  storefrontId: StorefrontId,
  externalRef: ExternalRef,
});

/**
 * The order service took a storefront's order: the id it is known by from now on, its total as
 * priced from the store's catalog, and the moment the merchant's window closes. Published with
 * `order.placed`, in the same write. Key: `<storefrontId>/<externalRef>` (`storefrontReplyKey`),
 * so each storefront reads its own replies by key.
 */
export const StorefrontOrderTaken = defineEvent({
  type: 'storefront-order.taken',
  version: 1,
  topic: Topics.storefrontReplies,
  key: '<storefrontId>/<externalRef>: one storefront’s order',
  summary:
    'A storefront order was taken: the orderpulse order id for the storefront’s reference, its total and the merchant’s response deadline.',
  schema: StorefrontReference.extend({
    orderId: z.string(),
    currency: z.string(),
    total: Money,
    lines: z.array(PlacedOrderLine),
    responseDeadline: z.iso.datetime().describe('when the merchant’s response window closes (RFC 3339, UTC)'),
  }),
  example: {
    storefrontId: 'shop-web',
    externalRef: 'SW-2026-000123',
    orderId: 'sf_5b0c6d2e8f1a4b3c9d7e6f5a4b3c2d1e',
    currency: 'CNY',
    total: 3600,
    lines: [{ productId: 'p-noodles', name: 'Beef noodles', quantity: 2, unitPrice: 1800 }],
    responseDeadline: '2026-12-02T08:00:08.000Z',
  },
});

/**
 * The order service refused a storefront's order: the check that failed and why, under the
 * order id the refusal is stored at (reading it by reference answers the same). Published with
 * `order.refused`, in the same write. Key: `<storefrontId>/<externalRef>` (`storefrontReplyKey`).
 */
export const StorefrontOrderRefused = defineEvent({
  type: 'storefront-order.refused',
  version: 1,
  topic: Topics.storefrontReplies,
  key: '<storefrontId>/<externalRef>: one storefront’s order',
  summary: 'A storefront order was not taken: the check that failed and why.',
  schema: StorefrontReference.extend({
    orderId: z.string(),
    check: PlacementCheck,
    reason: z.string(),
  }),
  example: {
    storefrontId: 'shop-web',
    externalRef: 'SW-2026-000124',
    orderId: 'sf_0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d',
    check: 'store_open',
    reason: 'the store is closed until 10:00',
  },
});
