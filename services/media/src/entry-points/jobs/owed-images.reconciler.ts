import type { ReconcileScope } from '@orderpulse/jobs';

import type { OrderMediaRepository } from '../../data-access/order-media.repository';
import { dueJobId, owedSlots } from '../../domain/order-media';
import type { MediaDueJob, MediaPorts } from '../../domain/use-cases/ports';
import { synthesizeDue } from '../../domain/use-cases/synthesize-image.use-case';

export interface ReconcileReport {
  checked: number;
  settled: number;
  rescheduled: number;
}

/**
 * MongoDB is the truth about owed images; Redis may lose their timers. A pass over `all` slots
 * still owing an image settles the overdue ones (a timer that ran out of tries included) and
 * gives the others their timers back; a `due` pass (the usual one) reads only orders with an
 * owed image already due, so its cost follows what is due, not what is pending.
 */
export async function reconcileOwed(
  ports: MediaPorts,
  orders: Pick<OrderMediaRepository, 'owing' | 'owingBy'>,
  timers: { has(id: string): Promise<boolean>; scheduleAt(id: string, at: Date, data: MediaDueJob): Promise<void> },
  scope: ReconcileScope = 'all',
): Promise<ReconcileReport> {
  const report: ReconcileReport = { checked: 0, settled: 0, rescheduled: 0 };
  for await (const orderId of scope === 'all' ? orders.owing() : orders.owingBy(ports.clock())) {
    const order = await ports.orders.get(orderId);
    if (!order) continue;
    for (const slot of owedSlots(order)) {
      if (scope === 'due' && slot.dueAt.getTime() > ports.clock().getTime()) continue;
      report.checked += 1;
      const id = dueJobId(orderId, slot.status);
      if (slot.dueAt.getTime() <= ports.clock().getTime()) {
        if ((await synthesizeDue(ports, orderId, slot.status)) === 'attached') report.settled += 1;
      } else if (!(await timers.has(id))) {
        await timers.scheduleAt(id, slot.dueAt, { orderId, status: slot.status });
        report.rescheduled += 1;
      }
    }
  }
  return report;
}
