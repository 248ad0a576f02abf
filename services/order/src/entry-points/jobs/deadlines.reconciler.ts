import type { ReconcileScope } from '@orderpulse/jobs';
import { unlessBusy } from '@orderpulse/service-kit';

import type { OrderRepository } from '../../data-access/order.repository';
import { awaitingResponse } from '../../domain/order-state-machine';
import { adjudicate } from '../../domain/use-cases/change-order.use-case';
import { announcePlacement } from '../../domain/use-cases/place-order.use-case';
import { deadlineJobId, type OrderPorts } from '../../domain/use-cases/ports';

export interface ReconcileReport {
  checked: number;
  adjudicated: number;
  rescheduled: number;
  /** Placements cut short between their two writes, finished now (their window counted from now). */
  announced: number;
  /** Timers that had failed for good (every try spent), run again. */
  retried: number;
}

/** What the reconciler asks of the countdowns' timer queue. */
export interface DeadlineTimers {
  has(id: string): Promise<boolean>;
  scheduleAt(id: string, at: Date, data: { orderId: string }): Promise<void>;
  retryFailed(): Promise<number>;
}

/**
 * MongoDB is the truth about countdowns; Redis may lose them (no persistence, a restart, a
 * failover). Every order waiting for its merchant has its timer from before it was stored
 * (`placeOrder`), so while Redis keeps its data all a timer can have missed is a run that failed
 * for good (MongoDB away through every try): a `due` pass (the usual one) runs those again and
 * reads no order, so its cost follows what failed, not what is pending. A pass over `all` orders
 * still waiting (when the epoch marker says Redis may have lost timers) finishes placements cut
 * short, settles the overdue orders and gives the others their timers back.
 */
export async function reconcileDeadlines(
  ports: OrderPorts,
  orders: Pick<OrderRepository, 'awaitingResponse'>,
  timers: DeadlineTimers,
  scope: ReconcileScope = 'all',
): Promise<ReconcileReport> {
  const report: ReconcileReport = { checked: 0, adjudicated: 0, rescheduled: 0, announced: 0, retried: 0 };
  if (scope === 'due') {
    report.retried = await timers.retryFailed();
    return report;
  }
  for await (const found of orders.awaitingResponse()) {
    report.checked += 1;
    const order = found.placing ? await unlessBusy(announcePlacement(ports, found.orderId)) : found;
    if (found.placing && !order?.placing) report.announced += 1;
    if (!order || !awaitingResponse.includes(order.status)) continue;
    if (order.responseDeadline.getTime() <= ports.clock().getTime()) {
      const settled = await unlessBusy(adjudicate(ports, order.orderId));
      if (settled && settled.status !== order.status) report.adjudicated += 1;
    } else if (!(await timers.has(deadlineJobId(order.orderId)))) {
      await timers.scheduleAt(deadlineJobId(order.orderId), order.responseDeadline, { orderId: order.orderId });
      report.rescheduled += 1;
    }
  }
  return report;
}
