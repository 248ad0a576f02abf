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
 * Every order still waiting for its merchant either is overdue, and is settled now, or gets
 * its timer back. Runs at start and periodically.
 */
export async function reconcileDeadlines(
  ports: OrderPorts,
  orders: Pick<OrderRepository, 'awaitingResponse'>,
  timers: { has(id: string): Promise<boolean>; scheduleAt(id: string, at: Date, data: { orderId: string }): Promise<void> },
): Promise<ReconcileReport> {
  const report: ReconcileReport = { checked: 0, adjudicated: 0, rescheduled: 0, announced: 0 };
  for await (const order of orders.awaitingResponse()) {
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
