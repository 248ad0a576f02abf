import type { OrderStatus } from '@orderpulse/contracts';
import { AppError } from '@orderpulse/service-kit';

import { type Actor, checkReader, type Slot } from '../order-media';
import type { MediaPorts } from './ports';

/** One status's image as a reader sees it: fresh short-lived links, or what is still owed. */
export interface MediaView {
  status: OrderStatus;
  kind: 'photo' | 'synthesized';
  state: 'attached' | 'awaiting';
  dueAt: string;
  media?: {
    mediaId: string;
    source: 'photo' | 'synthesized';
    fallback: boolean;
    contentType: string;
    width: number;
    height: number;
    attachedAt: string;
    url: string;
    thumbnailUrl: string;
    expiresAt: string;
  };
}

async function viewOf(ports: MediaPorts, slot: Slot): Promise<MediaView> {
  const base = { status: slot.status, kind: slot.kind, dueAt: slot.dueAt.toISOString() };
  if (!slot.media) return { ...base, state: 'awaiting' };
  const { media } = slot;
  const seconds = ports.settings.readUrlSeconds;
  const [image, thumbnail] = await Promise.all([
    ports.objects.presignGet(media.key, seconds),
    ports.objects.presignGet(media.thumbnailKey, seconds),
  ]);
  return {
    ...base,
    state: 'attached',
    media: {
      mediaId: media.mediaId,
      source: media.source,
      fallback: media.fallback,
      contentType: media.contentType,
      width: media.width,
      height: media.height,
      attachedAt: media.attachedAt.toISOString(),
      url: image.url,
      thumbnailUrl: thumbnail.url,
      expiresAt: image.expiresAt.toISOString(),
    },
  };
}

/** An order's images for one of its readers, each with links signed now; `status` narrows to one. */
export async function readMedia(
  ports: MediaPorts,
  orderId: string,
  actor: Actor,
  status?: OrderStatus,
): Promise<MediaView[]> {
  const order = await ports.orders.get(orderId);
  if (!order) throw AppError.notFound('order', { orderId });
  checkReader(order, actor);
  const slots = Object.values(order.slots).filter(
    (s): s is Slot => s !== undefined && (status === undefined || s.status === status),
  );
  if (status && slots.length === 0) throw AppError.notFound(`${status} image`, { orderId, orderStatus: status });
  slots.sort((a, b) => a.reachedAt.getTime() - b.reachedAt.getTime());
  return Promise.all(slots.map((slot) => viewOf(ports, slot)));
}
