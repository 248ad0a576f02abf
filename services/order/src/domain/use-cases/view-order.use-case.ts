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

/**
 * Makes a change to an order the actor may act on. It is first decided on the order as this
 * instance last saw it, without a read (the change's write is conditional on its version). When
 * that loses its race, or is refused on a version older than the stored one — the order moved on
 * elsewhere — it is decided again on the order as stored, and that answer stands; a refusal of
 * the stored version is answered as it is. `change` writes, or throws an `AppError` having written
 * nothing but what the stored order already shows.
 */
export async function actOnOrder(
  ports: OrderPorts,
  actor: Actor,
  orderId: string,
  change: (order: Order) => Promise<Order>,
): Promise<Order> {
  const recent = ports.orders.recent(orderId);
  if (!recent || !canView(actor, recent)) return change(await orderForActor(ports, actor, orderId));
  try {
    return await change(recent);
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    const stored = await orderForActor(ports, actor, orderId);
    // A refusal that speaks of the order as it stands is the answer; a lost race, or a refusal
    // of an older version, is decided again.
    if (error.code !== 'CONFLICT' && error.details.version === stored.version) throw error;
    return change(stored);
  }
}

/** Fails unless the actor may act on the order: its store's merchant, its assigned terminal. */
export async function orderForActor(ports: OrderPorts, actor: Actor, orderId: string): Promise<Order> {
  const order = await ports.orders.get(orderId);
  if (!order || !canView(actor, order)) throw AppError.notFound(`order ${orderId}`);
  return order;
}
