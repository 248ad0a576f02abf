import { newEvent, OrderAssigned, OrderStockingReported } from '@orderpulse/contracts';
import { AppError } from '@orderpulse/service-kit';

import { chooseTerminal } from '../delivery-assignment';
import { type Order, snapshotOf } from '../order';
import { changeOrder } from './change-order.use-case';
import type { OrderPorts } from './deps';

const assignable = ['accepted', 'dispatched'] as const;

/**
 * Gives an accepted order to a delivery terminal (seed 001): by region first, least loaded as
 * the fallback, passing over terminals that declined it. Does nothing for an order that already
 * has a terminal, so a redelivered trigger assigns once.
 */
export async function assignDelivery(ports: OrderPorts, orderId: string, previousTerminalId?: string): Promise<Order | undefined> {
  const order = await ports.orders.get(orderId);
  if (!order || !(assignable as readonly string[]).includes(order.status) || order.terminalId) return order;
  const choice = chooseTerminal(order.delivery.region, await ports.catalog.terminalsFor(order.delivery.region), order.declinedBy);
  if (!choice) throw new AppError('UNAVAILABLE', `no delivery terminal can take order ${orderId}`);
  const now = ports.clock();
  const next: Order = { ...order, terminalId: choice.terminalId, version: order.version + 1 };
  const event = newEvent(OrderAssigned, {
    source: ports.settings.source,
    subject: orderId,
    data: { ...snapshotOf(next, now), terminalId: choice.terminalId, strategy: choice.strategy, ...(previousTerminalId ? { previousTerminalId } : {}) },
  });
  const updated = await ports.orders.update(
    orderId,
    order.version,
    { set: { terminalId: choice.terminalId }, history: { at: now, by: { role: 'system', subject: 'assigner' }, action: 'assign', from: order.status, to: order.status, reason: `${choice.strategy}: ${choice.terminalId}` } },
    [{ topic: ports.settings.orderEventsTopic, event }],
  );
  if (!updated) return assignDelivery(ports, orderId, previousTerminalId);
  await ports.catalog.changeLoad(choice.terminalId, 1);
  ports.committed(updated);
  return updated;
}

/** The assigned terminal declines: the order goes to the next best terminal. */
export async function declineDelivery(ports: OrderPorts, terminalId: string, order: Order, reason: string | undefined): Promise<Order> {
  if (order.status !== 'accepted' && order.status !== 'dispatched') {
    throw new AppError('ILLEGAL_TRANSITION', `an order that is ${order.status} can no longer be declined`, { orderStatus: order.status });
  }
  const now = ports.clock();
  const declined = await ports.orders.update(
    order.orderId,
    order.version,
    {
      set: {},
      unset: ['terminalId'],
      push: { declinedBy: terminalId },
      history: { at: now, by: { role: 'rider', subject: terminalId }, action: 'decline', from: order.status, to: order.status, ...(reason ? { reason } : {}) },
    },
    [],
  );
  if (!declined) throw new AppError('CONFLICT', 'the order changed meanwhile', { orderStatus: order.status });
  await ports.catalog.changeLoad(terminalId, -1);
  ports.committed(declined);
  return (await assignDelivery(ports, order.orderId, terminalId)) ?? declined;
}

/** The terminal reports stocking: success, or failure with its reason. The customer is told either way. */
export async function reportStocking(ports: OrderPorts, terminalId: string, order: Order, report: { status: 'success' | 'failure'; reason?: string | undefined }): Promise<Order> {
  if (report.status === 'failure' && !report.reason?.trim()) throw AppError.invalid('a stocking failure needs its reason');
  if (['delivered', 'rejected', 'returned', 'not_connected', 'not_answered', 'refused'].includes(order.status)) {
    throw new AppError('ILLEGAL_TRANSITION', `stocking cannot be reported for an order that is ${order.status}`, { orderStatus: order.status });
  }
  const now = ports.clock();
  const stocking = { status: report.status, at: now, ...(report.reason ? { reason: report.reason } : {}) };
  const next: Order = { ...order, stocking, version: order.version + 1 };
  const event = newEvent(OrderStockingReported, {
    source: ports.settings.source,
    subject: order.orderId,
    data: { ...snapshotOf(next, now), stocking: report.status, ...(report.reason ? { reason: report.reason } : {}) },
  });
  const updated = await ports.orders.update(
    order.orderId,
    order.version,
    { set: { stocking }, history: { at: now, by: { role: 'rider', subject: terminalId }, action: 'report_stocking', from: order.status, to: order.status, ...(report.reason ? { reason: report.reason } : { reason: 'success' }) } },
    [{ topic: ports.settings.orderEventsTopic, event }],
  );
  if (!updated) throw new AppError('CONFLICT', 'the order changed meanwhile; read it again', { orderStatus: order.status });
  ports.committed(updated);
  return updated;
}

/** A delivery step as the terminal reports it, and the lifecycle action it is. */
export const deliverySteps = { took: 'take', arrived_at_store: 'arrive_at_store', handed_over: 'hand_over', delivered: 'deliver' } as const;
export type DeliveryStep = keyof typeof deliverySteps;

/** The terminal reports progress; on delivery its load drops. */
export async function advanceDelivery(ports: OrderPorts, terminalId: string, order: Order, step: DeliveryStep, expectedDeliveryAt?: Date): Promise<Order> {
  const updated = await changeOrder(ports, { orderId: order.orderId, action: deliverySteps[step], by: { role: 'rider', subject: terminalId }, expectedDeliveryAt }, order);
  if (updated.status === 'delivered') await ports.catalog.changeLoad(terminalId, -1);
  return updated;
}
