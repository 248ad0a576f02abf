import { z } from 'zod';

import { defineEvent } from '../define-event';
import { Topics } from '../topics';
import { exampleSnapshot, OrderSnapshot } from './order-snapshot';

/**
 * No delivery terminal can take an accepted order now — none is registered for it, or every
 * eligible one declined. The order stays unassigned and is offered again until a terminal takes
 * it (`order.assigned` follows); the merchant is told it is waiting for a rider. Said once per
 * wait: the next wait (after a later decline) says it again.
 */
export const OrderAwaitingRider = defineEvent({
  type: 'order.awaiting-rider',
  version: 1,
  topic: Topics.orderEvents,
  summary: 'No delivery terminal can take the accepted order now; it is offered again until one does (seed 001).',
  schema: OrderSnapshot.extend({
    awaitingSince: z.iso.datetime().describe('when the order began waiting for a terminal'),
    declinedBy: z.array(z.string()).describe('terminals that declined the order, passed over when it is offered again'),
    previousTerminalId: z.string().optional().describe('the terminal whose decline left the order waiting'),
  }),
  example: {
    ...exampleSnapshot,
    version: 5,
    status: 'accepted',
    awaitingSince: '2025-05-01T10:03:12.000Z',
    declinedBy: ['rider-7'],
    previousTerminalId: 'rider-7',
  },
});
