import { newEvent, type OrderStatus, OrderStatusChanged } from '@orderpulse/contracts';
import { AppError, LOST_RACE, retryOnConflict } from '@orderpulse/service-kit';

import { busyStatuses } from '../delivery-assignment';
import { type HistoryEntry, type Order, snapshotOf } from '../order';
import { type ActorRole, allowedActions, decide, type OrderAction } from '../order-state-machine';
import type { OrderPorts } from './ports';

export interface ChangeRequest {
  orderId: string;
  action: OrderAction;
  by: { role: ActorRole; subject: string };
  reason?: string | undefined;
  expectedDeliveryAt?: Date | undefined;
}

/**
 * Moves an order through the state machine. The decision is pure; the write is conditional on
 * the version that was decided on, so of several changes racing (merchant taps at the deadline,
 * the deadline job itself) exactly one wins and the rest are told the order's current state.
 */
export async function changeOrder(ports: OrderPorts, request: ChangeRequest, order?: Order): Promise<Order> {
  const current = order ?? (await ports.orders.get(request.orderId));
  if (!current) throw AppError.notFound(`order ${request.orderId}`);
  const now = ports.clock();
  const decision = decide({
    status: current.status,
    action: request.action,
    role: request.by.role,
    now,
    deadline: current.responseDeadline,
    reason: request.reason,
  });
  if (!decision.ok) {
    if (decision.code === 'WINDOW_CLOSED' && (current.status === 'new' || current.status === 'connected')) {
      // The deadline has passed and its job may not have run yet: settle the order now, then refuse.
      const settled = await adjudicate(ports, current.orderId);
      throw windowClosed(settled ?? current, decision.message);
    }
    throw new AppError(decision.code, decision.message, {
      orderStatus: current.status,
      version: current.version,
      allowed: decision.allowed,
    });
  }
  const history: HistoryEntry = {
    at: now,
    by: request.by,
    action: request.action,
    from: current.status,
    to: decision.to,
    ...(request.reason ? { reason: request.reason } : {}),
  };
  const next: Order = {
    ...current,
    status: decision.to,
    version: current.version + 1,
    ...(request.expectedDeliveryAt ? { expectedDeliveryAt: request.expectedDeliveryAt } : {}),
  };
  const event = newEvent(OrderStatusChanged, {
    source: ports.settings.source,
    subject: current.orderId,
    data: {
      ...snapshotOf(next, now),
      from: current.status,
      by: request.by,
      ...(request.reason ? { reason: request.reason } : {}),
      ...(request.expectedDeliveryAt ? { expectedDeliveryAt: request.expectedDeliveryAt.toISOString() } : {}),
    },
  });
  const updated = await ports.orders.update(
    current.orderId,
    current.version,
    {
      set: {
        status: decision.to,
        ...(request.expectedDeliveryAt ? { expectedDeliveryAt: request.expectedDeliveryAt } : {}),
      },
      history,
    },
    [{ topic: ports.settings.orderEventsTopic, event }],
  );
  if (!updated) {
    const latest = await ports.orders.get(current.orderId);
    throw new AppError('CONFLICT', `the order changed meanwhile; it is now ${latest?.status ?? 'gone'}`, {
      orderStatus: latest?.status,
      version: latest?.version,
      allowed: latest ? allowedActions(latest.status, request.by.role, now, latest.responseDeadline) : [],
    });
  }
  ports.committed(updated);
  if (current.terminalId && isBusy(current.status) && !isBusy(updated.status)) {
    // Delivered: off the terminal's list. One left there (this write failed) is taken off by the next load count.
    await ports.catalog.release(current.terminalId, current.orderId).catch(() => undefined);
  }
  return updated;
}

const isBusy = (status: OrderStatus) => (busyStatuses as readonly OrderStatus[]).includes(status);

function windowClosed(order: Order, message: string): AppError {
  return new AppError('WINDOW_CLOSED', message, {
    orderStatus: order.status,
    version: order.version,
    deadline: order.responseDeadline.toISOString(),
  });
}

/**
 * The deadline's verdict on an order nobody answered: `new` → `not_connected`, `connected` →
 * `not_answered`. Idempotent: an order already answered, or adjudicated by a racing call, is
 * left alone. `known`, when given, is the order as just read, saving the first read. Returns the
 * order as it ends up.
 */
export async function adjudicate(ports: OrderPorts, orderId: string, known?: Order): Promise<Order | undefined> {
  let read = known;
  return retryOnConflict(`order ${orderId}`, async () => {
    const order = read ?? (await ports.orders.get(orderId));
    read = undefined;
    if (!order || (order.status !== 'new' && order.status !== 'connected')) return order;
    if (ports.clock().getTime() < order.responseDeadline.getTime()) return order;
    try {
      return await changeOrder(
        ports,
        { orderId, action: 'adjudicate', by: { role: 'system', subject: 'response-deadline' } },
        order,
      );
    } catch (error) {
      // Lost a race to another change; look again.
      if (error instanceof AppError && error.code === 'CONFLICT') return LOST_RACE;
      throw error;
    }
  });
}
