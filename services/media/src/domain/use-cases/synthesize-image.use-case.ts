import { createHash } from 'node:crypto';

import type { OrderStatus } from '@orderpulse/contracts';
import { AppError } from '@orderpulse/service-kit';

import type { AttachedMedia } from '../order-media';
import { renderStatusCard } from '../status-card';
import { attach } from './attach-media.use-case';
import { keys, type MediaPorts } from './ports';

export type DueOutcome = 'attached' | 'settled' | 'unknown';

/**
 * A slot's image is due: a synthesized status gets its image, a photo status whose photo did
 * not come gets the synthesized image as a recorded fallback. Safe to run any number of times:
 * the image id and object keys are derived from the order and status, and a slot already
 * settled is left alone.
 */
export async function synthesizeDue(ports: MediaPorts, orderId: string, status: OrderStatus): Promise<DueOutcome> {
  const order = await ports.orders.get(orderId);
  const slot = order?.slots[status];
  if (!order || !slot) return 'unknown';
  if (slot.media) return 'settled';
  const now = ports.clock();
  if (now.getTime() < slot.dueAt.getTime()) {
    // Fired early (clocks differ between hosts): the job is retried with backoff.
    throw new AppError('UNAVAILABLE', `the ${status} image of ${orderId} is not due until ${slot.dueAt.toISOString()}`);
  }
  const fallback = slot.kind === 'photo';
  const { settings } = ports;
  const mediaId = `med_${createHash('sha256').update(`${orderId}\n${status}\nsynthesized`).digest('hex').slice(0, 24)}`;
  const svg = renderStatusCard({
    orderId,
    status,
    locale: order.facts.locale,
    at: slot.reachedAt,
    expectedDeliveryAt: order.facts.expectedDeliveryAt,
    storeName: order.facts.storeName ?? order.facts.storeId,
    timeZone: settings.timeZone,
    fallback,
  });
  const encoded = await ports.images.rasterize(svg, settings.synthFormat);
  const sourceKey = keys.source(settings, orderId, status, mediaId);
  const media: AttachedMedia = {
    mediaId,
    source: 'synthesized',
    fallback,
    key: keys.media(settings, orderId, status, mediaId, encoded.contentType),
    thumbnailKey: keys.thumbnail(settings, orderId, status, mediaId, encoded.thumbnailType),
    sourceKey,
    contentType: encoded.contentType,
    width: encoded.width,
    height: encoded.height,
    bytes: encoded.image.length,
    attachedAt: now,
  };
  await Promise.all([
    ports.objects.put(sourceKey, svg, 'image/svg+xml; charset=utf-8'),
    ports.objects.put(media.key, encoded.image, encoded.contentType),
    ports.objects.put(media.thumbnailKey, encoded.thumbnail, encoded.thumbnailType),
  ]);
  if (await attach(ports, orderId, status, media)) {
    // An upload that was never confirmed can no longer be: its object goes now, not with the bucket's lifecycle rule.
    if (slot.grant?.state === 'issued' || slot.grant?.state === 'confirming')
      await ports.objects.remove(slot.grant.key);
    return 'attached';
  }
  // A photo won the race: these objects are referenced by nothing. A twin run that won keeps them (same keys).
  const settled = (await ports.orders.get(orderId))?.slots[status]?.media;
  if (settled && settled.mediaId !== mediaId)
    await Promise.all([media.key, media.thumbnailKey, sourceKey].map((key) => ports.objects.remove(key)));
  return 'settled';
}
