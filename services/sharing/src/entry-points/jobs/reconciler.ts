import type { GuaranteeOrder } from '../../domain/guarantee-order';
import { claimExpiryJobId, type ClaimExpiryJob, type SharingPorts } from '../../domain/use-cases/deps';
import { expireShare } from '../../domain/use-cases/share-order.use-case';

export interface ReconcileReport {
  checked: number;
  expired: number;
  rescheduled: number;
}

/**
 * MongoDB is the truth about claim windows; Redis may lose their timers (no persistence, a
 * failover). Every share still waiting to be claimed is either overdue, and is closed now, or
 * gets its timer back. Runs at start and periodically.
 */
export async function reconcileClaimWindows(
  ports: SharingPorts,
  orders: { withPendingShares(): AsyncGenerator<GuaranteeOrder> },
  timers: { has(id: string): Promise<boolean>; scheduleAt(id: string, at: Date, data: ClaimExpiryJob): Promise<void> },
): Promise<ReconcileReport> {
  const report: ReconcileReport = { checked: 0, expired: 0, rescheduled: 0 };
  for await (const order of orders.withPendingShares()) {
    for (const share of order.shares.filter((s) => s.status === 'pending')) {
      report.checked += 1;
      if (share.claimDeadline.getTime() <= ports.clock().getTime()) {
        const settled = await expireShare(ports, order.orgId, order.orderId, share.id);
        if (settled?.shares.find((s) => s.id === share.id)?.status === 'expired') report.expired += 1;
      } else if (!(await timers.has(claimExpiryJobId(share.id)))) {
        await timers.scheduleAt(claimExpiryJobId(share.id), share.claimDeadline, { orgId: order.orgId, orderId: order.orderId, shareId: share.id });
        report.rescheduled += 1;
      }
    }
  }
  return report;
}
