import { z } from 'zod';

import { defineEvent } from '../define-event';
import { Topics } from '../topics';
import { exampleSnapshot, OrderSnapshot } from './order-snapshot';

/** An order was given to a delivery terminal (rider or distribution station). */
export const OrderAssigned = defineEvent({
  type: 'order.assigned',
  version: 1,
  topic: Topics.orderEvents,
  summary: 'A delivery terminal was assigned to the order, by region or as the least loaded.',
  schema: OrderSnapshot.extend({
    terminalId: z.string(),
    strategy: z.enum(['region', 'least_loaded']),
    previousTerminalId: z.string().optional(),
  }),
  example: { ...exampleSnapshot, version: 4, status: 'accepted', terminalId: 'rider-7', strategy: 'region' },
});
