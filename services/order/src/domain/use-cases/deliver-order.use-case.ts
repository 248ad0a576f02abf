import { newEvent, OrderAssigned, OrderAwaitingRider, OrderStockingReported } from '@orderpulse/contracts';
import { AppError, LOST_RACE, retryOnConflict } from '@orderpulse/service-kit';

import { type Assignment, chooseTerminal } from '../delivery-assignment';
import { type Order, snapshotOf } from '../order';
import { changeOrder } from './change-order.use-case';
import type { OrderPorts } from './ports';

const assignable = ['accepted', 'dispatched'] as const;

/**
 * Gives an accepted order to a delivery terminal (seed 001): by region first, least loaded as
 * the fallback, passing over terminals that declined it. Does nothing for an order that already
 * has a terminal, so a redelivered trigger assigns once. When no terminal can take it — none is
 * registered, or every eligible one declined — that is no error: the order is marked as waiting
 * for a rider (the merchant is told, once per wait) and the assignment retry offers it again
 * until a terminal takes it.
 */
export async function assignDelivery(
  ports: OrderPorts,
  orderId: string,
  previousTerminalId?: string,
): Promise<Order | undefined> {
  // First decided on the order as this instance last saw it (no read); what would do nothing on
  // that guess is decided again on the order as stored, as is a lost race.
  let guess = ports.orders.recent(orderId);
  return retryOnConflict(`order ${orderId}`, async () => {
    const guessed = guess !== undefined;
    const order = guess ?? (await ports.orders.get(orderId));
    guess = undefined;
    if (!order || !(assignable as readonly string[]).includes(order.status) || order.terminalId)
      return guessed ? LOST_RACE : order;
    const choice = chooseTerminal(
      order.delivery.region,
      await ports.catalog.terminalsFor(order.delivery.region, order.declinedBy),
      order.declinedBy,
    );
    if (!choice && order.awaitingRiderSince) return guessed ? LOST_RACE : order;
    const updated = choice
      ? await assignTo(ports, order, choice, previousTerminalId)
      : await awaitRider(ports, order, previousTerminalId);
    if (!updated) return LOST_RACE;
    ports.committed(updated);
    return updated;
  });
}

async function assignTo(
  ports: OrderPorts,
  order: Order,
  choice: NonNullable<Assignment>,
  previousTerminalId: string | undefined,
): Promise<Order | undefined> {
  // Listed first, so the terminal's load never misses an order it holds.
  await ports.catalog.holdFor(choice.terminalId, order.orderId);
  const now = ports.clock();
  const next: Order = {
    ...order,
    terminalId: choice.terminalId,
    awaitingRiderSince: undefined,
    version: order.version + 1,
  };
  const event = newEvent(OrderAssigned, {
    source: ports.settings.source,
    subject: order.orderId,
    data: {
      ...snapshotOf(next, now),
      terminalId: choice.terminalId,
      strategy: choice.strategy,
      ...(previousTerminalId ? { previousTerminalId } : {}),
    },
  });
  return ports.orders.update(
    order.orderId,
    order.version,
    {
      set: { terminalId: choice.terminalId },
      unset: ['awaitingRiderSince'],
      history: {
        at: now,
        by: { role: 'system', subject: 'assigner' },
        action: 'assign',
        from: order.status,
        to: order.status,
        reason: `${choice.strategy}: ${choice.terminalId}`,
      },
    },
    [{ topic: ports.settings.orderEventsTopic, event }],
  );
}

async function awaitRider(
  ports: OrderPorts,
  order: Order,
  previousTerminalId: string | undefined,
): Promise<Order | undefined> {
  const now = ports.clock();
  const next: Order = { ...order, awaitingRiderSince: now, version: order.version + 1 };
  const event = newEvent(OrderAwaitingRider, {
    source: ports.settings.source,
    subject: order.orderId,
    data: {
      ...snapshotOf(next, now),
      awaitingSince: now.toISOString(),
      declinedBy: order.declinedBy,
      ...(previousTerminalId ? { previousTerminalId } : {}),
    },
  });
  const reason =
    order.declinedBy.length > 0
      ? `no other terminal can take it (declined by ${order.declinedBy.join(', ')})`
      : 'no delivery terminal can take it yet';
  return ports.orders.update(
    order.orderId,
    order.version,
    {
      set: { awaitingRiderSince: now },
      history: {
        at: now,
        by: { role: 'system', subject: 'assigner' },
        action: 'await_rider',
        from: order.status,
        to: order.status,
        reason,
      },
    },
    [{ topic: ports.settings.orderEventsTopic, event }],
  );
}

/** The assigned terminal declines: the order goes to the next best terminal, or waits for one. */
export async function declineDelivery(
  ports: OrderPorts,
  terminalId: string,
  order: Order,
  reason: string | undefined,
): Promise<Order> {
  if (order.status !== 'accepted' && order.status !== 'dispatched') {
    throw new AppError('ILLEGAL_TRANSITION', `an order that is ${order.status} can no longer be declined`, {
      orderStatus: order.status,
    });
  }
  const now = ports.clock();
  const declined = await ports.orders.update(
    order.orderId,
    order.version,
    {
      set: {},
      unset: ['terminalId'],
      push: { declinedBy: terminalId },
      history: {
        at: now,
        by: { role: 'rider', subject: terminalId },
        action: 'decline',
        from: order.status,
        to: order.status,
        ...(reason ? { reason } : {}),
      },
    },
    [],
  );
  if (!declined) throw new AppError('CONFLICT', 'the order changed meanwhile', { orderStatus: order.status });
  ports.committed(declined);
  try {
    return (await assignDelivery(ports, order.orderId, terminalId)) ?? declined;
  } catch (error) {
    // The decline stands; that no other terminal can take the order yet is not the rider's fault.
    if (error instanceof AppError && error.code === 'UNAVAILABLE') return declined;
    throw error;
  }
}

/** The terminal reports stocking: success, or failure with its reason. The customer is told either way. */
export async function reportStocking(
  ports: OrderPorts,
  terminalId: string,
  order: Order,
  report: { status: 'success' | 'failure'; reason?: string | undefined },
): Promise<Order> {
  if (report.status === 'failure' && !report.reason?.trim())
    throw AppError.invalid('a stocking failure needs its reason');
  if (['delivered', 'rejected', 'returned', 'not_connected', 'not_answered', 'refused'].includes(order.status)) {
    throw new AppError('ILLEGAL_TRANSITION', `stocking cannot be reported for an order that is ${order.status}`, {
      orderStatus: order.status,
    });
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
    {
      set: { stocking },
      history: {
        at: now,
        by: { role: 'rider', subject: terminalId },
        action: 'report_stocking',
        from: order.status,
        to: order.status,
        ...(report.reason ? { reason: report.reason } : { reason: 'success' }),
      },
    },
    [{ topic: ports.settings.orderEventsTopic, event }],
  );
  if (!updated)
    throw new AppError('CONFLICT', 'the order changed meanwhile; read it again', { orderStatus: order.status });
  ports.committed(updated);
  return updated;
}

/** A delivery step as the terminal reports it, and the lifecycle action it is. */
export const deliverySteps = {
  took: 'take',
  arrived_at_store: 'arrive_at_store',
  handed_over: 'hand_over',
  delivered: 'deliver',
} as const;
export type DeliveryStep = keyof typeof deliverySteps;

/** The terminal reports progress; once delivered, the order no longer counts in its load. */
export async function advanceDelivery(
  ports: OrderPorts,
  terminalId: string,
  order: Order,
  step: DeliveryStep,
  expectedDeliveryAt?: Date,
): Promise<Order> {
  return changeOrder(
    ports,
    {
      orderId: order.orderId,
      action: deliverySteps[step],
      by: { role: 'rider', subject: terminalId },
      expectedDeliveryAt,
    },
    order,
  );
}
