import { OrderStatus } from '@orderpulse/contracts';
import type { BodyLimits } from '@orderpulse/service-kit';
import { z } from 'zod';

import { uploadTypes } from '../../domain/order-media';

/** The path of a status's media: `/v1/orders/:orderId/media/:status`. */
export const MediaPath = z.object({
  orderId: z.string().regex(/^[A-Za-z0-9_.-]{1,160}$/, 'not an order id'),
  status: OrderStatus,
});

export const OrderPath = MediaPath.pick({ orderId: true });

export const GrantPath = MediaPath.extend({ grantId: z.string().regex(/^grt_[A-Za-z0-9]{8,64}$/, 'not a grant id') });

/** What the phone will upload: its type and exact size, both signed into the URL. */
export const GrantBody = z.object({
  contentType: z.enum(uploadTypes),
  bytes: z.number().int().positive(),
});
/** What a route that reads no body takes: nothing, or `{}`. */
const NoBody = z.strictObject({});

/** Each body-taking route's body, by route: its limit is worked out from the schema (service-kit `bodyLimitOf`). */
export const bodyLimits = {
  'POST /v1/orders/:orderId/media/:status/grants': GrantBody,
  'POST /v1/orders/:orderId/media/:status/grants/:grantId/confirm': NoBody,
} satisfies BodyLimits;
