import { z } from 'zod';

import { defineEvent } from '../define-event';
import { Topics } from '../topics';
import { exampleSnapshot, OrderSnapshot } from './order-snapshot';

/** A valid order became `new`: the merchant terminal is to be told now, and the countdown runs. */
export const OrderPlaced = defineEvent({
  type: 'order.placed',
  version: 1,
  topic: Topics.orderEvents,
  summary: 'An order passed validation and waits for the merchant; carries the response deadline.',
  schema: OrderSnapshot.extend({
    storefront: z.object({ storefrontId: z.string(), externalRef: z.string() }).optional(),
  }),
  example: exampleSnapshot,
});
