import type { ReconcileScope } from '@orderpulse/jobs';

import type { OrderRepository } from '../../data-access/order.repository';
import { adjudicate } from '../../domain/use-cases/change-order.use-case';
import { deadlineJobId, type OrderPorts } from '../../domain/use-cases/deps';
import { announcePlacement } from '../../domain/use-cases/place-order.use-case';

export interface ReconcileReport {
  checked: number;
  adjudicated: number;
  rescheduled: number;
  /** Placements cut short between their two writes, finished now (their window counted from now). */
  announced: number;
}

/**
 * MongoDB is the truth about countdowns; Redis may lose them (no persistence, a failover).
 * A pass over `all` orders still waiting for their merchant (when Redis may have lost timers)
 * settles the overdue ones and gives the others their timers back; a `due` pass (the usual one)
 * reads only the overdue ones and placements cut short, so its cost follows what is due, not
 * what is pending.
 */
export async function reconcileDeadlines(
  ports: OrderPorts,
  orders: Pick<OrderRepository, 'awaitingResponse' | 'due'>,
  timers: { has(id: string): Promise<boolean>; scheduleAt(id: string, at: Date, data: { orderId: string }): Promise<void> },
  scope: ReconcileScope = 'all',
): Promise<ReconcileReport> {
  const report: ReconcileReport = { checked: 0, adjudicated: 0, rescheduled: 0, announced: 0 };
  for await (const order of scope === 'all' ? orders.awaitingResponse() : orders.due(ports.clock())) {
    report.checked += 1;
    if (order.placing) {
      if (!(await announcePlacement(ports, order.orderId))?.placing) report.announced += 1;
    } else if (order.responseDeadline.getTime() <= ports.clock().getTime()) {
      const settled = await adjudicate(ports, order.orderId);
      if (settled && settled.status !== order.status) report.adjudicated += 1;
    } else if (!(await timers.has(deadlineJobId(order.orderId)))) {
      await timers.scheduleAt(deadlineJobId(order.orderId), order.responseDeadline, { orderId: order.orderId });
      report.rescheduled += 1;
    }
  }
  return report;
}
