import { AppError } from '@orderpulse/service-kit';

import { canView, type Order } from '../order';
import { changeOrder } from './change-order.use-case';
import type { Actor, OrderPorts } from './ports';

/**
 * Reads an order for someone allowed to see it. The merchant terminal's first fetch is what
 * marks an order `connected` (seed 002): the push reached the merchant and the data is on screen.
 * Fetching again changes nothing.
 */
export async function viewOrder(ports: OrderPorts, actor: Actor, orderId: string): Promise<Order> {
  const order = await ports.orders.get(orderId);
  // Someone else's order is reported missing, so ids cannot be probed.
  if (!order || !canView(actor, order)) throw AppError.notFound(`order ${orderId}`);
  if (actor.role !== 'merchant' || order.status !== 'new') return order;
  if (ports.clock().getTime() >= order.responseDeadline.getTime()) return order;
  try {
    return await changeOrder(
      ports,
      { orderId, action: 'connect', by: { role: 'merchant', subject: actor.subject } },
      order,
    );
  } catch (error) {
    // A racing answer or the deadline got there first: show what is there now.
    if (
      error instanceof AppError &&
      (error.code === 'CONFLICT' || error.code === 'WINDOW_CLOSED' || error.code === 'ILLEGAL_TRANSITION')
    ) {
      return (await ports.orders.get(orderId)) ?? order;
    }
    throw error;
  }
}

/** Fails unless the actor may act on the order: its store's merchant, its assigned terminal. */
export async function orderForActor(ports: OrderPorts, actor: Actor, orderId: string): Promise<Order> {
  const order = await ports.orders.get(orderId);
  if (!order || !canView(actor, order)) throw AppError.notFound(`order ${orderId}`);
  return order;
}
