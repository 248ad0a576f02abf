import type { ReconcileScope } from '@orderpulse/jobs';
import { unlessBusy } from '@orderpulse/service-kit';

import type { GuaranteeOrder } from '../../domain/guarantee-order';
import { claimExpiryJobId, type ClaimExpiryJob, type SharingPorts } from '../../domain/use-cases/ports';
import { expireShare } from '../../domain/use-cases/share-order.use-case';

export interface ReconcileReport {
  checked: number;
  expired: number;
  rescheduled: number;
}

/**
 * MongoDB is the truth about claim windows; Redis may lose their timers (no persistence, a
 * failover). A pass over `all` shares still waiting to be claimed closes the overdue ones and
 * gives the others their timers back; a `due` pass (the usual one) reads only orders with a
 * window that has closed, so its cost follows what is due, not what is pending.
 */
export async function reconcileClaimWindows(
  ports: SharingPorts,
  orders: {
    withPendingShares(): AsyncGenerator<GuaranteeOrder>;
    withDueShares(now: Date): AsyncGenerator<GuaranteeOrder>;
  },
  timers: { has(id: string): Promise<boolean>; scheduleAt(id: string, at: Date, data: ClaimExpiryJob): Promise<void> },
  scope: ReconcileScope = 'all',
): Promise<ReconcileReport> {
  const report: ReconcileReport = { checked: 0, expired: 0, rescheduled: 0 };
  for await (const order of scope === 'all' ? orders.withPendingShares() : orders.withDueShares(ports.clock())) {
    for (const share of order.shares.filter((s) => s.status === 'pending')) {
      const due = share.claimDeadline.getTime() <= ports.clock().getTime();
      if (!due && scope === 'due') continue;
      report.checked += 1;
      if (due) {
        const settled = await unlessBusy(expireShare(ports, order.orgId, order.orderId, share.id));
        if (settled?.shares.find((s) => s.id === share.id)?.status === 'expired') report.expired += 1;
      } else if (!(await timers.has(claimExpiryJobId(share.id)))) {
        await timers.scheduleAt(claimExpiryJobId(share.id), share.claimDeadline, {
          orgId: order.orgId,
          orderId: order.orderId,
          shareId: share.id,
        });
        report.rescheduled += 1;
      }
    }
  }
  return report;
}
