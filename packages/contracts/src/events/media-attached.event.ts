import { z } from 'zod';

import { defineEvent } from '../define-event';
import { Topics } from '../topics';
import { OrderStatus } from './order-snapshot';

/** A presigned link to one stored image and when it stops working. */
export const MediaLink = z.object({
  url: z.url(),
  expiresAt: z.iso.datetime(),
});

/**
 * An image was attached to an order status: a real-shot photo that passed verification, or a
 * synthesized image (for a status that gets one, or as the fallback when no photo came in time).
 * The links are short-lived; a reader past `image.expiresAt` asks the media service (`href`) for fresh ones.
 */
export const MediaAttached = defineEvent({
  type: 'media.attached',
  version: 1,
  topic: Topics.mediaEvents,
  summary: 'A verified photo or a synthesized image was attached to an order status (seed 000).',
  schema: z.object({
    orderId: z.string(),
    status: OrderStatus,
    mediaId: z.string(),
    source: z.enum(['photo', 'synthesized']),
    /** A synthesized image standing in for a real-shot photo that did not come in time. */
    fallback: z.boolean(),
    takenBy: z.object({ role: z.enum(['merchant', 'rider']), subject: z.string() }).optional(),
    customerId: z.string(),
    merchantId: z.string(),
    storeId: z.string(),
    locale: z.enum(['zh-CN', 'en']),
    contentType: z.enum(['image/jpeg', 'image/png', 'image/webp']),
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    bytes: z.number().int().positive(),
    attachedAt: z.iso.datetime(),
    image: MediaLink,
    thumbnail: MediaLink,
    /** The media service's path that answers fresh links to the order's readers. */
    href: z.string().startsWith('/'),
  }),
  example: {
    orderId: 'ord_01J9Z8Q4',
    status: 'picked_up',
    mediaId: 'med_5b0c7f3e9a1d4e28',
    source: 'photo',
    fallback: false,
    takenBy: { role: 'merchant', subject: 'clerk-1' },
    customerId: 'c-42',
    merchantId: 'm-1001',
    storeId: 's-1001',
    locale: 'zh-CN',
    contentType: 'image/jpeg',
    width: 1600,
    height: 1200,
    bytes: 412_337,
    attachedAt: '2026-11-21T10:21:07.000Z',
    image: {
      url: 'https://media.example.com/orderpulse-media/media/ord_01J9Z8Q4/picked_up/med_5b0c7f3e9a1d4e28.jpg?X-Amz-Signature=…',
      expiresAt: '2026-11-21T11:21:07.000Z',
    },
    thumbnail: {
      url: 'https://media.example.com/orderpulse-media/media/ord_01J9Z8Q4/picked_up/med_5b0c7f3e9a1d4e28.thumb.webp?X-Amz-Signature=…',
      expiresAt: '2026-11-21T11:21:07.000Z',
    },
    href: '/v1/orders/ord_01J9Z8Q4/media/picked_up',
  },
});
