import { type EventData, type MediaAttached, orderStatusLabels, shortOrderNumber } from '@orderpulse/contracts';

import type { Notice } from './routing';

/** The image a notice carries: links while they last, and where to ask for fresh ones after. */
export interface NoticeMedia {
  mediaId: string;
  source: 'photo' | 'synthesized';
  fallback: boolean;
  imageUrl: string;
  thumbnailUrl: string;
  expiresAt: string;
  /** The media service's path that answers fresh links to the order's readers. */
  href: string;
}

const captions = {
  photo: { en: 'A photo taken just now.', 'zh-CN': '刚刚拍摄的实拍照片。' },
  synthesized: { en: 'Your order at this step.', 'zh-CN': '您的订单当前进度。' },
  fallback: {
    en: 'No photo was taken at this step; here is your order at a glance.',
    'zh-CN': '此环节未拍摄实拍照片，为您呈现订单概况。',
  },
} as const;

/**
 * An image attached to a status goes to the order's customer, with the image on the push and
 * the realtime message. Pure: the same event, the same notice.
 */
export function mediaNoticesFor(m: EventData<typeof MediaAttached>): Notice[] {
  const caption = m.fallback ? captions.fallback : captions[m.source];
  return [
    {
      recipient: { kind: 'customer', id: m.customerId },
      category: 'delivery_progress',
      template: 'media.attached.customer',
      params: { orderNo: shortOrderNumber(m.orderId), step: orderStatusLabels[m.status], caption },
      orderId: m.orderId,
      status: m.status,
      locale: m.locale,
      media: {
        mediaId: m.mediaId,
        source: m.source,
        fallback: m.fallback,
        imageUrl: m.image.url,
        thumbnailUrl: m.thumbnail.url,
        expiresAt: m.image.expiresAt < m.thumbnail.expiresAt ? m.image.expiresAt : m.thumbnail.expiresAt,
        href: m.href,
      },
    },
  ];
}

/**
 * What of the image goes on a push or message made now: the links only while they will work
 * for a while yet (a replayed event's links are long dead), the fresh-link path always.
 */
export function mediaForDelivery(
  media: NoticeMedia,
  now: Date,
  minimumLifeMs = 60_000,
): Partial<NoticeMedia> & Pick<NoticeMedia, 'mediaId' | 'source' | 'fallback' | 'href'> {
  const { imageUrl, thumbnailUrl, expiresAt, ...always } = media;
  return Date.parse(expiresAt) - now.getTime() >= minimumLifeMs
    ? { ...always, imageUrl, thumbnailUrl, expiresAt }
    : always;
}
