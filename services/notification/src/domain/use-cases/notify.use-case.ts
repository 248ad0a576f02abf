import { createHash } from 'node:crypto';

import type { RealtimeMessage } from '@orderpulse/contracts';

import { type Delivery, expiresWithDeadline, openStatuses } from '../delivery';
import { mediaForDelivery } from '../media-routing';
import { recipientKey } from '../recipients';
import type { Device, RecipientProfile } from '../registry';
import { noticesFor, type Notice, type RoutedEvent } from '../routing';
import { render } from '../templates';
import type { NotificationPorts, PushJob } from './ports';

/** A stable id from parts: the same event, recipient and device always give the same key. */
export function idOf(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 32);
}

/**
 * Tells everyone an event concerns: each notice goes to the recipient's realtime backlog
 * (once per event and recipient) and becomes one push job per device (once per event,
 * recipient and device). Running it again for the same event — a redelivery, a restart
 * mid-batch — adds nothing. The recipients of an event are told side by side; then every push
 * of the event is opened in the push log in one write, each to be sent with its first try
 * recorded, and those still to be sent are queued: a push opened here carries its try
 * (`firstTry`), one found open from before claims one.
 */
export async function notify(ports: NotificationPorts, event: RoutedEvent & { id: string }): Promise<void> {
  const notices = noticesFor(event);
  if (notices.length === 0) return;
  // Every recipient's profile in one read.
  const profiles = await ports.registry.recipientsOf(notices.map((n) => recipientKey(n.recipient)));
  const pushes = (await allOf(notices.map((notice, i) => tell(ports, event, notice, profiles[i]!)))).flat();
  const at = ports.clock();
  const stands = await ports.log.openAll(
    pushes.map((p) => p.delivery),
    at,
  );
  // A redelivered event finds its pushes in the log: sent or settled, they are not queued again.
  await allOf(
    pushes.map(async ({ delivery, job }, i) => {
      const { status, opened, firstTryOpen } = stands[i]!;
      if (!openStatuses.includes(status)) return;
      const id = pushJobId(delivery.key);
      // The first try recorded with the opening belongs to the push's job. Found open and with no job
      // (the first delivery died, or Redis refused the job, before it was queued), this job is that one.
      const owns = firstTryOpen && (opened || !(await ports.pushes.has(id)));
      await ports.pushes.scheduleAt(id, at, owns ? { ...job, firstTry: at.toISOString() } : job);
    }),
  );
}

/** Waits for every one to finish, then fails with the first failure: a retry never overlaps work still running. */
async function allOf<T>(work: Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(work);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}

/** A push of the event: its record for the push log, and its job should it be sent. */
interface PushOfEvent {
  delivery: Omit<Delivery, 'attempts' | 'createdAt' | 'updatedAt'>;
  job: PushJob;
}

async function tell(
  ports: NotificationPorts,
  event: RoutedEvent & { id: string },
  notice: Notice,
  profile: RecipientProfile,
): Promise<PushOfEvent[]> {
  const key = profile.key;
  const text = render(notice.template, profile.locale ?? notice.locale, notice.params);
  const message: RealtimeMessage = {
    id: idOf(event.id, key),
    eventId: event.id,
    eventType: event.type,
    category: notice.category,
    orderId: notice.orderId,
    ...(notice.status ? { status: notice.status } : {}),
    ...text,
    ...(notice.countdown ? { countdown: notice.countdown } : {}),
    ...(notice.media ? { media: mediaForDelivery(notice.media, ports.clock()) } : {}),
    at: ports.clock().toISOString(),
  };
  await ports.backlog.append(key, message.id, JSON.stringify(message));
  return allOf(profile.devices.map((device) => pushOf(ports, notice, profile, device, message)));
}

async function pushOf(
  ports: NotificationPorts,
  notice: Notice,
  profile: RecipientProfile,
  device: Device,
  message: RealtimeMessage,
): Promise<PushOfEvent> {
  const pushKey = idOf(message.eventId, profile.key, device.installationId);
  // A device's own locale wins over the recipient's.
  const text =
    device.locale && device.locale !== (profile.locale ?? notice.locale)
      ? render(notice.template, device.locale, notice.params)
      : message;
  const app = await ports.registry.app(device.appCode);
  const provider = app ? ports.providers.get(app.provider) : undefined;
  const status: Delivery['status'] = profile.muted.includes(notice.category)
    ? 'muted'
    : provider?.supports(device.platform)
      ? 'sending'
      : 'unsupported';
  const data = {
    appCode: device.appCode,
    orderId: message.orderId,
    eventType: message.eventType,
    category: message.category,
    ...(message.status ? { status: message.status } : {}),
    ...(message.countdown ? { deadline: message.countdown.deadline, serverTime: message.countdown.serverTime } : {}),
    ...(message.media ? pushMedia(message.media) : {}),
    messageId: message.id,
  };
  const delivery = {
    key: pushKey,
    eventId: message.eventId,
    eventType: message.eventType,
    orderId: message.orderId,
    recipient: profile.key,
    installationId: device.installationId,
    appCode: device.appCode,
    platform: device.platform,
    category: notice.category,
    title: text.title,
    body: text.body,
    status,
    data,
  };
  const job: PushJob = {
    key: pushKey,
    recipient: profile.key,
    installationId: device.installationId,
    appCode: device.appCode,
    platform: device.platform,
    token: device.token,
    title: text.title,
    body: text.body,
    data,
    // A push about a running countdown is worth nothing once it is over: the gateway must not hold it longer.
    ...(message.countdown && expiresWithDeadline(message.status) ? { expiresAt: message.countdown.deadline } : {}),
  };
  return { delivery, job };
}

/** The push job of a delivery: one per idempotency key, so queueing it again changes nothing. */
export function pushJobId(key: string): string {
  return `push.${key}`;
}

/** The image on a push's data: flat string fields, as FCM data payloads require. */
function pushMedia(media: NonNullable<RealtimeMessage['media']>): Record<string, string> {
  return {
    mediaId: media.mediaId,
    mediaSource: media.fallback ? 'fallback' : media.source,
    mediaHref: media.href,
    ...(media.imageUrl && media.thumbnailUrl && media.expiresAt
      ? { imageUrl: media.imageUrl, thumbnailUrl: media.thumbnailUrl, imageExpiresAt: media.expiresAt }
      : {}),
  };
}
