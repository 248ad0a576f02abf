import { expiresWithDeadline } from '../delivery';
import { pushJobId } from './notify.use-case';
import type { NotificationPorts } from './ports';

export interface PushReconcileReport {
  /** Unfinished pushes looked at. */
  checked: number;
  /** Pushes whose job Redis had lost, queued again under the same idempotency key. */
  requeued: number;
  /** Pushes whose device was removed meanwhile, ended as `rejected` with a note. */
  abandoned: number;
}

/** How long after its last write a push counts as in flight rather than lost (one being sent: that plus the gateway's time to answer). */
const IN_FLIGHT_MS = 2_000;

/**
 * Pushes a pass found `sending` with no job, by key: the try they were on and since when (ms)
 * passes have seen them so. Kept by the caller from one pass to the next.
 */
export type SendingSightings = Map<string, { attempt: number; since: number }>;

/**
 * MongoDB is the truth about pushes; Redis may lose their jobs (emptied, restarted without its
 * data). Every push the push log holds as `pending` or `sending` whose job is gone is queued
 * again, to the device's current token, with the same idempotency key — the sender's claim on
 * the log makes sure a push that did finish meanwhile is not sent twice. Oldest first, a page
 * at a time, so a large backlog costs memory for one page only.
 *
 * A push found `sending` may still have its sender, holding the gateway's answer until the
 * log takes it (after a database outage the sender writes it moments after the database is
 * back, and this pass may run in those moments). So such a push is queued again only once passes
 * (`sightings`) have seen it `sending` on the same try for the push timeout and more: a sender
 * that is alive and reaches the database has written its answer by then; one that died leaves
 * the push waiting that much longer.
 */
export async function requeueLostPushes(
  ports: NotificationPorts,
  pageSize: number,
  sightings: SendingSightings = new Map(),
): Promise<PushReconcileReport> {
  const report: PushReconcileReport = { checked: 0, requeued: 0, abandoned: 0 };
  const seenBefore = new Map(sightings);
  sightings.clear();
  let after: { createdAt: Date; key: string } | undefined;
  for (;;) {
    const page = await ports.log.unfinished(pageSize, after);
    for (const delivery of page) {
      report.checked += 1;
      // Just recorded: its job is being queued by the consumer right now, with the event's trace; not lost.
      // Being sent: the sender may still hold the gateway's answer, and a job queued now would send it twice.
      const inFlightMs = delivery.status === 'sending' ? IN_FLIGHT_MS + ports.pushTimeoutMs : IN_FLIGHT_MS;
      if (ports.clock().getTime() - delivery.updatedAt.getTime() < inFlightMs) continue;
      const id = pushJobId(delivery.key);
      if (await ports.pushes.has(id)) continue;
      if (delivery.status === 'sending') {
        const attempt = delivery.attempts.length;
        const before = seenBefore.get(delivery.key);
        const since = before?.attempt === attempt ? before.since : ports.clock().getTime();
        sightings.set(delivery.key, { attempt, since });
        if (ports.clock().getTime() - since < IN_FLIGHT_MS + ports.pushTimeoutMs) continue;
      }
      const profile = await ports.registry.recipient(delivery.recipient);
      const device = profile.devices.find((d) => d.installationId === delivery.installationId);
      if (!device) {
        await ports.log.abandon(
          delivery,
          'rejected',
          `installation ${delivery.installationId} is no longer registered`,
        );
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
        data: delivery.data ?? {
          appCode: delivery.appCode,
          orderId: delivery.orderId,
          eventType: delivery.eventType,
          category: delivery.category,
        },
        // A countdown push keeps its deadline: requeued late, it carries the time left or expires.
        ...(typeof delivery.data?.deadline === 'string' && expiresWithDeadline(delivery.data.status)
          ? { expiresAt: delivery.data.deadline }
          : {}),
      });
      report.requeued += 1;
    }
    const last = page.at(-1);
    if (!last || page.length < pageSize) return report;
    after = { createdAt: last.createdAt, key: last.key };
  }
}
