import type { Principal } from '@orderpulse/service-kit';

import { type Order, snapshotOf } from '../../domain/order';
import { type ActorRole, allowedActions, isAnswered } from '../../domain/order-state-machine';

/**
 * What the terminals get for an order: the snapshot every event carries, what this viewer may
 * do now, and the countdown with the server's clock, so customer, merchant and server show
 * the same remaining time whatever their own clocks say.
 */
export function orderView(order: Order, viewer: Principal, now: Date) {
  const role: ActorRole =
    viewer.role === 'customer' || viewer.role === 'merchant' || viewer.role === 'rider' ? viewer.role : 'system';
  return {
    order: {
      ...snapshotOf(order, now),
      placedAt: order.placedAt.toISOString(),
      answered: isAnswered(order.status),
      allowedActions: allowedActions(order.status, role, now, order.responseDeadline),
      ...(order.refusal ? { refusal: order.refusal } : {}),
      ...(order.stocking ? { stocking: { ...order.stocking, at: order.stocking.at.toISOString() } } : {}),
      ...(order.expectedDeliveryAt ? { expectedDeliveryAt: order.expectedDeliveryAt.toISOString() } : {}),
      ...(order.note ? { note: order.note } : {}),
      ...(order.awaitingRiderSince ? { awaitingRiderSince: order.awaitingRiderSince.toISOString() } : {}),
    },
    countdown: {
      deadline: order.responseDeadline.toISOString(),
      serverTime: now.toISOString(),
      remainingMs: Math.max(0, order.responseDeadline.getTime() - now.getTime()),
    },
  };
}
