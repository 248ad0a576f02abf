import { z } from 'zod';

import { defineEvent } from '../define-event';
import { Topics } from '../topics';
import { exampleSnapshot, OrderSnapshot } from './order-snapshot';

/** The delivery terminal reported the order's stocking: success, or failure with its reason. */
export const OrderStockingReported = defineEvent({
  type: 'order.stocking-reported',
  version: 1,
  topic: Topics.orderEvents,
  summary: 'Stocking of the order succeeded, or failed with a reason (seed 001).',
  schema: OrderSnapshot.extend({
    stocking: z.enum(['success', 'failure']),
    reason: z.string().optional(),
  }),
  example: {
    ...exampleSnapshot,
    version: 5,
    status: 'rider_took',
    terminalId: 'rider-7',
    stocking: 'failure',
    reason: 'noodles sold out; substitute offered',
  },
});
