import { z } from 'zod';

import { OrderStatus } from '../events/order-snapshot';

const ImageType = z.enum(['image/jpeg', 'image/png', 'image/webp']);

/** Which order statuses are shown with an image, and of what kind: a real-shot photo (and who shoots it) or a synthesized one. */
export const MediaPolicyView = z.object({
  policy: z
    .partialRecord(
      OrderStatus,
      z.discriminatedUnion('kind', [
        z.object({
          kind: z.literal('photo'),
          takenBy: z.enum(['merchant', 'rider']).describe('the order’s merchant, or its assigned rider'),
        }),
        z.object({ kind: z.literal('synthesized') }),
      ]),
    )
    .describe('by status; a status not named gets no image'),
  graceSeconds: z
    .number()
    .int()
    .positive()
    .describe(
      'seconds a photo status waits for its photo, from when the order reached it, before a synthesized image stands in',
    ),
  maxBytes: z.number().int().positive().describe('the largest photo an upload grant is given for, in bytes'),
});

/** A presigned upload for one photo: PUT the bytes to `upload.url` with `upload.headers`, then confirm the grant. */
export const UploadGrantView = z.object({
  grantId: z.string(),
  orderId: z.string(),
  status: OrderStatus,
  upload: z.object({
    method: z.literal('PUT'),
    url: z.url().describe('the presigned object-store URL'),
    headers: z
      .record(z.string(), z.string())
      .describe('to send exactly as given: the type and size are signed into the URL'),
  }),
  contentType: ImageType,
  bytes: z.number().int().positive().describe('the exact size the upload must have'),
  expiresAt: z.iso.datetime().describe('when the URL stops taking the upload'),
  confirmBy: z.iso.datetime().describe('when the grant lapses unless confirmed'),
});

/** A photo that passed its checks and is attached to its status. */
export const MediaConfirmed = z.object({
  mediaId: z.string(),
  href: z.string().startsWith('/').describe('the path that answers the status’s image with fresh links'),
});

/** One status's image for a reader: fresh short-lived links once attached, or when it is due. */
export const MediaView = z.object({
  status: OrderStatus,
  kind: z.enum(['photo', 'synthesized']).describe('what the status is shown with, by the policy'),
  state: z.enum(['attached', 'awaiting']),
  dueAt: z.iso
    .datetime()
    .describe('when the image is due: at once for a synthesized one, after the grace period for a photo'),
  media: z
    .object({
      mediaId: z.string(),
      source: z.enum(['photo', 'synthesized']),
      fallback: z.boolean().describe('a synthesized image standing in for a photo that did not come in time'),
      contentType: ImageType,
      width: z.number().int().positive().describe('pixels'),
      height: z.number().int().positive().describe('pixels'),
      attachedAt: z.iso.datetime(),
      url: z.url().describe('the image, presigned'),
      thumbnailUrl: z.url().describe('a thumbnail, presigned'),
      expiresAt: z.iso.datetime().describe('when both links stop working: ask again for fresh ones'),
    })
    .optional()
    .describe('present once `state` is `attached`'),
});

/** An order's images, in the order its statuses were reached. */
export const OrderMediaView = z.object({ orderId: z.string(), media: z.array(MediaView) });
