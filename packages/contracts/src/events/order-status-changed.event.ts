import { z } from 'zod';

import { defineEvent } from '../define-event';
import { Topics } from '../topics';
import { exampleSnapshot, OrderSnapshot, OrderStatus } from './order-snapshot';

/** Who made a change: a person at a terminal, or the system (the deadline, the assigner). */
export const Actor = z.object({
  role: z.enum(['customer', 'merchant', 'rider', 'system']),
  subject: z.string(),
});

/**
 * An order moved from one status to another: the merchant's answer, the adjudication at the
 * deadline, or a delivery step. The customer is told of every one.
 */
export const OrderStatusChanged = defineEvent({
  type: 'order.status-changed',
  version: 1,
  topic: Topics.orderEvents,
  summary: 'An order changed status (merchant action, deadline adjudication or delivery progress).',
  schema: OrderSnapshot.extend({
    from: OrderStatus,
    by: Actor,
    reason: z.string().optional(),
    expectedDeliveryAt: z.iso.datetime().optional(),
  }),
  example: {
    ...exampleSnapshot,
    version: 3,
    status: 'not_answered',
    from: 'connected',
    by: { role: 'system', subject: 'response-deadline' },
  },
});
