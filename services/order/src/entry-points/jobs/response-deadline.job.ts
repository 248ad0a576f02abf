import { AppError } from '@orderpulse/service-kit';

import { adjudicate } from '../../domain/use-cases/change-order.use-case';
import type { OrderPorts } from '../../domain/use-cases/deps';

export const responseDeadlineQueue = 'order-response-deadline';

export interface ResponseDeadlineJob {
  orderId: string;
}

/** At the deadline: settle the order if the merchant has not answered. Safe to run any number of times. */
export async function runResponseDeadline(ports: OrderPorts, job: ResponseDeadlineJob): Promise<void> {
  const order = await adjudicate(ports, job.orderId);
  if (order && (order.status === 'new' || order.status === 'connected')) {
    // Fired before the deadline (clocks differ between hosts): try again shortly.
    throw new AppError('UNAVAILABLE', `order ${job.orderId} is not due until ${order.responseDeadline.toISOString()}`);
  }
}
