import type { ReconcileScope } from '@orderpulse/jobs';

import type { OrderRepository } from '../../data-access/order.repository';
import type { Order } from '../../domain/order';
import { assignDelivery } from '../../domain/use-cases/deliver-order.use-case';
import type { OrderPorts } from '../../domain/use-cases/ports';

export interface AssignmentRetryReport {
  checked: number;
  assigned: number;
  /** Orders whose try failed (MongoDB away, say); tried again next pass. */
  failed: number;
}

/**
 * The orders waiting for a rider that this instance has seen: those its assigner or its passes
 * left without a terminal. A due pass offers just these again, by id, so it costs nothing when
 * nobody waits; a pass over `all` (at start, and at least every `fullEveryMs` of its runner)
 * finds any other instance's, and accepted orders whose assignment never ran.
 */
export class AwaitingRider {
  private readonly ids = new Set<string>();

  /** Told of every committed change: an order is waiting while it has waited for a rider and has none. */
  note(order: Pick<Order, 'orderId' | 'status' | 'terminalId' | 'awaitingRiderSince'>): void {
    if (order.awaitingRiderSince && !order.terminalId && isAssignable(order.status)) this.ids.add(order.orderId);
    else this.ids.delete(order.orderId);
  }

  list(): string[] {
    return [...this.ids];
  }
}

const isAssignable = (status: Order['status']) => status === 'accepted' || status === 'dispatched';

/**
 * Offers accepted orders without a terminal to the terminals again, oldest first: `all` of them
 * (read from MongoDB), or the `due` ones `waiting` knows of.
 */
export async function retryAssignments(
  ports: OrderPorts,
  orders: Pick<OrderRepository, 'unassigned'>,
  waiting: AwaitingRider,
  scope: ReconcileScope = 'all',
): Promise<AssignmentRetryReport> {
  const report: AssignmentRetryReport = { checked: 0, assigned: 0, failed: 0 };
  for await (const orderId of scope === 'all' ? orders.unassigned() : waiting.list()) {
    report.checked += 1;
    try {
      const order = await assignDelivery(ports, orderId);
      if (order) waiting.note(order);
      if (order?.terminalId) report.assigned += 1;
    } catch {
      // One order that keeps failing must not hold back the others; the next pass tries it again.
      report.failed += 1;
    }
  }
  return report;
}
