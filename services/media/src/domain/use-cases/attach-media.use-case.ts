import { MediaAttached, newEvent, type OrderStatus, type OutgoingEvent } from '@orderpulse/contracts';
import { AppError } from '@orderpulse/service-kit';

import { type AttachedMedia, grantStep, type OrderMedia } from '../order-media';
import { change, type MediaPorts } from './ports';

/** The path that answers fresh links to a status's image. */
export function mediaHref(orderId: string, status: OrderStatus): string {
  return `/v1/orders/${encodeURIComponent(orderId)}/media/${status}`;
}

/** The media.attached event of an image, with links that live as long as a push is worth opening. */
export async function attachedEvent(
  ports: MediaPorts,
  order: OrderMedia,
  status: OrderStatus,
  media: AttachedMedia,
): Promise<OutgoingEvent> {
  const [image, thumbnail] = await Promise.all([
    ports.objects.presignGet(media.key, ports.settings.pushUrlSeconds),
    ports.objects.presignGet(media.thumbnailKey, ports.settings.pushUrlSeconds),
  ]);
  const { facts } = order;
  const event = newEvent(MediaAttached, {
    source: ports.settings.source,
    subject: order.orderId,
    // One image per order and status, so a repeated attach (a retried job) is recognisably the same event.
    id: `${media.mediaId}`,
    data: {
      orderId: order.orderId,
      status,
      mediaId: media.mediaId,
      source: media.source,
      fallback: media.fallback,
      ...(media.takenBy ? { takenBy: media.takenBy } : {}),
      customerId: facts.customerId,
      merchantId: facts.merchantId,
      storeId: facts.storeId,
      locale: facts.locale,
      contentType: media.contentType,
      width: media.width,
      height: media.height,
      bytes: media.bytes,
      attachedAt: media.attachedAt.toISOString(),
      image: { url: image.url, expiresAt: image.expiresAt.toISOString() },
      thumbnail: { url: thumbnail.url, expiresAt: thumbnail.expiresAt.toISOString() },
      href: mediaHref(order.orderId, status),
    },
  });
  return { topic: ports.settings.mediaEventsTopic, event };
}

/**
 * Attaches an image to a slot that still owes one, with its event in the same write — and,
 * for a photo, the spending of the grant it came with (`grantId`), so a grant is never spent
 * without its photo attached. Returns false when the slot was settled meanwhile (a photo and
 * the fallback racing): the caller's stored objects are then not referenced and it removes them.
 */
export async function attach(
  ports: MediaPorts,
  orderId: string,
  status: OrderStatus,
  media: AttachedMedia,
  grantId?: string,
): Promise<boolean> {
  // The links are signed before the write decides, because deciding must not wait on anything.
  const snapshot = await ports.orders.get(orderId);
  if (!snapshot) throw AppError.notFound('order', { orderId });
  const event = await attachedEvent(ports, snapshot, status, media);
  const { result } = await change(ports, orderId, (current) => {
    const slot = current?.slots[status];
    if (!current || !slot || slot.media) return undefined;
    const grant =
      // A grant another confirmation spent meanwhile (refusing its upload) stays as that one left it.
      grantId && slot.grant?.grantId === grantId && slot.grant.state !== 'used'
        ? { ...slot.grant, state: grantStep(slot.grant.state, 'used'), confirmingUntil: undefined }
        : slot.grant;
    return {
      next: { ...current, slots: { ...current.slots, [status]: { ...slot, grant, media } } },
      events: [event],
      result: true,
    };
  });
  return result === true;
}
