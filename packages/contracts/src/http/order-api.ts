import { z } from 'zod';

import { PlacementCheck } from '../events/order-refused.event';
import { OrderSnapshot, OrderStatus } from '../events/order-snapshot';
import { DeliveryAddress } from '../events/storefront-order-placed.event';

/** What an order's viewer may do to it now, by the order state machine (seed 002). */
export const OrderAction = z.enum([
  'connect',
  'accept',
  'reject',
  'return',
  'dispatch',
  'adjudicate',
  'take',
  'arrive_at_store',
  'hand_over',
  'deliver',
]);

/** The one countdown every screen shows (seed 002): the absolute deadline, the server's clock, and what is left by it. */
export const CountdownView = z.object({
  deadline: z.iso.datetime().describe('when the merchant’s response window closes (RFC 3339, UTC)'),
  serverTime: z.iso
    .datetime()
    .describe('the server’s clock when this was said: a screen counts from it, not from its own clock'),
  remainingMs: z.number().int().nonnegative().describe('milliseconds from `serverTime` to `deadline`, 0 once passed'),
});

/** An order as a customer, merchant, rider or storefront sees it. */
export const OrderView = z.object({
  order: OrderSnapshot.extend({
    placedAt: z.iso.datetime().describe('when the order was stored; the response window counts from here'),
    answered: z.boolean().describe('whether the merchant’s response is settled (answered, ruled or refused)'),
    allowedActions: z.array(OrderAction).describe('what this viewer may do now'),
    refusal: z.object({ check: PlacementCheck, reason: z.string() }).optional(),
    stocking: z
      .object({ status: z.enum(['success', 'failure']), reason: z.string().optional(), at: z.iso.datetime() })
      .optional(),
    expectedDeliveryAt: z.iso.datetime().optional(),
    note: z.string().optional(),
    awaitingRiderSince: z.iso.datetime().optional().describe('set while no delivery terminal has taken the order'),
  }),
  countdown: CountdownView,
});
export type OrderView = z.infer<typeof OrderView>;

export const OrderList = z.object({ orders: z.array(OrderView) });

/** One line of an order's history: who changed what, when, and why. */
export const OrderHistory = z.object({
  orderId: z.string(),
  history: z.array(
    z.object({
      at: z.iso.datetime(),
      by: z.object({ role: z.enum(['customer', 'merchant', 'rider', 'system']), subject: z.string() }),
      action: z.string(),
      from: OrderStatus.nullable(),
      to: OrderStatus,
      reason: z.string().optional(),
    }),
  ),
});

/** A delivery terminal's order: the order with where it goes and whom to call. */
export const DeliveryList = z.object({
  deliveries: z.array(
    OrderView.extend({ destination: DeliveryAddress, customer: z.object({ name: z.string(), phone: z.string() }) }),
  ),
});

/** A rider's decline (seed 001): the terminal the order went to, or none while it waits for a rider. */
export const DeliveryDeclined = z.object({
  orderId: z.string(),
  declined: z.literal(true),
  terminalId: z.string().nullable(),
  awaitingRider: z.boolean(),
});

/** A store as its customers' terminals show it: hours per weekday (0 = Sunday) in its IANA time zone. */
export const StoreView = z.object({
  storeId: z.string(),
  merchantId: z.string(),
  name: z.string(),
  active: z.boolean(),
  paused: z.boolean(),
  timeZone: z.string(),
  hours: z.record(z.string(), z.array(z.string())),
  responseWindowSeconds: z.number().int().optional(),
  products: z.array(
    z.object({ productId: z.string(), name: z.string(), price: z.number().int(), available: z.boolean() }),
  ),
});

export const DeliveryTerminalView = z.object({
  terminalId: z.string(),
  regions: z.array(z.string()),
  active: z.boolean(),
});
