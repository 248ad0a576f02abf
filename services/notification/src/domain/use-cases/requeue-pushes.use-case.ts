import { expiresWithDeadline } from '../delivery';
import { pushJobId } from './notify.use-case';
import type { NotificationPorts } from './deps';

export interface PushReconcileReport {
  /** Unfinished pushes looked at. */
  checked: number;
  /** Pushes whose job Redis had lost, queued again under the same idempotency key. */
  requeued: number;
  /** Pushes whose device was removed meanwhile, ended as `rejected` with a note. */
  abandoned: number;
}

/** How long after its last write a push counts as in flight rather than lost. */
const IN_FLIGHT_MS = 2_000;

/**
 * MongoDB is the truth about pushes; Redis may lose their jobs (emptied, restarted without its
 * data). Every push the delivery log holds as `pending` or `sending` whose job is gone is queued
 * again, to the device's current token, with the same idempotency key — the sender's claim on
 * the log makes sure a push that did finish meanwhile is not sent twice. Oldest first, a page
 * at a time, so a large backlog costs memory for one page only.
 */
export async function requeueLostPushes(ports: NotificationPorts, pageSize: number): Promise<PushReconcileReport> {
  const report: PushReconcileReport = { checked: 0, requeued: 0, abandoned: 0 };
  let after: { createdAt: Date; key: string } | undefined;
  for (;;) {
    const page = await ports.log.unfinished(pageSize, after);
    for (const delivery of page) {
      report.checked += 1;
      // Just recorded: its job is being queued by the consumer right now, with the event's trace; not lost.
      if (ports.clock().getTime() - delivery.updatedAt.getTime() < IN_FLIGHT_MS) continue;
      const id = pushJobId(delivery.key);
      if (await ports.pushes.has(id)) continue;
      const profile = await ports.registry.recipient(delivery.recipient);
      const device = profile.devices.find((d) => d.installationId === delivery.installationId);
      if (!device) {
        await ports.log.abandon(delivery.key, 'rejected', `installation ${delivery.installationId} is no longer registered`);
        report.abandoned += 1;
        continue;
      }
      await ports.pushes.scheduleAt(id, ports.clock(), {
        key: delivery.key,
        recipient: delivery.recipient,
        installationId: device.installationId,
        appCode: device.appCode,
        platform: device.platform,
        token: device.token,
        title: delivery.title,
        body: delivery.body,
        data: delivery.data ?? { appCode: delivery.appCode, orderId: delivery.orderId, eventType: delivery.eventType, category: delivery.category },
        // A countdown push keeps its deadline: requeued late, it carries the time left or expires.
        ...(typeof delivery.data?.deadline === 'string' && expiresWithDeadline(delivery.data.status) ? { expiresAt: delivery.data.deadline } : {}),
      });
      report.requeued += 1;
    }
    const last = page.at(-1);
    if (!last || page.length < pageSize) return report;
    after = { createdAt: last.createdAt, key: last.key };
  }
}
