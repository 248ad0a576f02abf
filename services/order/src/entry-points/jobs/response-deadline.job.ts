import type { JobAgain } from '@orderpulse/jobs';

import { awaitingResponse } from '../../domain/order-state-machine';
import { adjudicate } from '../../domain/use-cases/change-order.use-case';
import { announcePlacement } from '../../domain/use-cases/place-order.use-case';
import type { OrderPorts } from '../../domain/use-cases/ports';

export const responseDeadlineQueue = 'order-response-deadline';

export interface ResponseDeadlineJob {
  orderId: string;
}

/**
 * The countdown's timer, set before the order was stored (`placeOrder`): at the deadline, settle
 * the order if the merchant has not answered. A placement cut short between its two writes is
 * finished first (its window counted from now). A timer that fires before the deadline — set at
 * the earliest the deadline could be, or on a host whose clock runs ahead — answers `againAt`
 * the deadline, so it runs again then without spending a try. Safe to run any number of times.
 */
export async function runResponseDeadline(ports: OrderPorts, job: ResponseDeadlineJob): Promise<void | JobAgain> {
  const stored = await ports.orders.get(job.orderId);
  const order = stored?.placing ? await announcePlacement(ports, stored.orderId, undefined, stored) : stored;
  if (!order || !awaitingResponse.includes(order.status)) return undefined;
  const settled = await adjudicate(ports, order.orderId, order);
  return settled && awaitingResponse.includes(settled.status) ? { againAt: settled.responseDeadline } : undefined;
}
