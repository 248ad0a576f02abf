import { humanText, PlaceOrder, StorefrontReference, UnitPrice } from '@orderpulse/contracts';
import type { BodyLimits } from '@orderpulse/service-kit';
import { z } from 'zod';

export const PlaceOrderBody = PlaceOrder.omit({ customerId: true });
/** A storefront places for its customer, under its own reference (idempotent like its topic). */
export const StorefrontPlaceOrderBody = PlaceOrder.extend({ externalRef: StorefrontReference.shape.externalRef });

export const ExternalRefParam = z.object({ externalRef: StorefrontReference.shape.externalRef });

export const OrderIdParam = z.object({ id: z.string().regex(/^[A-Za-z0-9_.-]{1,160}$/, 'not an order id') });

export const WaitQuery = z.object({
  wait: z.coerce.number().int().min(0).max(60).optional(),
  knownVersion: z.coerce.number().int().min(0).optional(),
});

export const ReasonBody = z.object({ reason: humanText(500).optional() }).default({});

export const MerchantAction = z.enum(['accept', 'reject', 'return', 'dispatch']);

export const StockingBody = z.object({ status: z.enum(['success', 'failure']), reason: humanText(500).optional() });

export const ProgressBody = z.object({
  step: z.enum(['took', 'arrived_at_store', 'handed_over', 'delivered']),
  expectedDeliveryAt: z.iso.datetime().optional(),
});

export const ListQuery = z.object({
  status: z
    .string()
    .regex(/^[a-z_,]+$/)
    .optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

const Hours = z.array(z.string().regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$/, 'HH:MM-HH:MM')).max(6);

export const StoreBody = z.object({
  merchantId: z.string().min(1).max(64),
  name: humanText(120),
  active: z.boolean().default(true),
  paused: z.boolean().default(false),
  timeZone: z.string().refine((tz) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'not an IANA time zone'),
  // A weekday left out is closed (the domain reads it as no hours).
  hours: z.partialRecord(z.enum(['0', '1', '2', '3', '4', '5', '6']), Hours),
  responseWindowSeconds: z.number().int().min(1).max(3_600).optional(),
  products: z
    .array(
      z.object({
        productId: z.string().min(1).max(64),
        name: humanText(120),
        price: UnitPrice,
        available: z.boolean(),
      }),
    )
    .max(2_000),
});

export const DeliveryTerminalBody = z.object({
  regions: z.array(z.string().min(1).max(64)).min(1).max(50),
  active: z.boolean().default(true),
});

/** Each body-taking route's body, by route: its limit is worked out from the schema (service-kit `bodyLimitOf`). */
export const bodyLimits = {
  'POST /v1/orders': PlaceOrderBody,
  'POST /v1/orders/:id/:action': ReasonBody,
  'POST /v1/deliveries/:id/stocking': StockingBody,
  'POST /v1/deliveries/:id/progress': ProgressBody,
  'POST /v1/deliveries/:id/decline': ReasonBody,
  'PUT /v1/stores/:id': StoreBody,
  'PUT /v1/terminals/:id': DeliveryTerminalBody,
} satisfies BodyLimits;
