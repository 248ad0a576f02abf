import { MediaConfirmed, MediaPolicyView, MediaView, OrderMediaView, UploadGrantView } from '@orderpulse/contracts';
import { type ApiInfo, type ApiRoutes, Roles } from '@orderpulse/service-kit';

import { GrantBody, GrantPath, MediaPath, OrderPath } from './schemas';

const readers = ['customer', 'merchant', 'rider', 'admin'] as const;

export const mediaApiInfo: ApiInfo = {
  title: 'orderpulse media service',
  version: '1.0.0',
  description:
    'An image for each order status the policy names (seed 000): a real-shot photo by the order’s merchant or assigned rider, uploaded straight to the object store through a presigned grant and checked before it is attached, or a synthesized image. A photo that does not come within the grace period is replaced by a synthesized one (`fallback`). Image links are short-lived: a reader asks again for fresh ones.',
};

/** Every route of the media service. */
export const mediaApi: ApiRoutes = {
  'GET /v1/media/policy': {
    tag: 'media',
    summary: 'Which statuses take a photo',
    description: 'For terminals, to know which statuses ask for a photo, who shoots it and how long it may take.',
    roles: Roles,
    answers: { 200: { description: 'The policy.', schema: MediaPolicyView } },
  },
  'POST /v1/orders/:orderId/media/:status/grants': {
    tag: 'uploads',
    summary: 'Ask for an upload grant',
    description:
      'Only the status’s taker (the order’s merchant, or its assigned rider), for a photo status the order has reached (409 before), while no image is attached and the grace period runs (409 after); a status that takes no photo is a 422, more than the policy’s `maxBytes` a 413. A new grant replaces an unused one. PUT the photo to `upload.url` with `upload.headers` before `expiresAt`, then confirm.',
    roles: ['merchant', 'rider'],
    params: MediaPath,
    body: GrantBody,
    example: { contentType: 'image/jpeg', bytes: 412_337 },
    answers: { 201: { description: 'The grant.', schema: UploadGrantView } },
    problems: [404, 409, 422],
  },
  'POST /v1/orders/:orderId/media/:status/grants/:grantId/confirm': {
    tag: 'uploads',
    summary: 'Confirm an upload',
    description:
      'By whoever the grant was issued to, by its `confirmBy`; takes no body. The upload is checked (its size and type as granted, that it decodes, its dimensions) and re-encoded without its metadata. Nothing uploaded yet is a 422 (`reason` `missing`) that leaves the grant usable; a bad upload is a 422 whose `reason` is `size`, `type`, `not_an_image` or `dimensions`, and spends the grant. A grant used, replaced, being checked or past its time, or an image attached meanwhile, is a 409.',
    roles: ['merchant', 'rider'],
    params: GrantPath,
    answers: { 201: { description: 'Attached.', schema: MediaConfirmed } },
    problems: [404, 409, 422],
  },
  'GET /v1/orders/:orderId/media': {
    tag: 'media',
    summary: 'An order’s images',
    description:
      'For the order’s customer, merchant and assigned rider, and admins: each status’s image with links signed now, or when it is due.',
    roles: readers,
    params: OrderPath,
    answers: { 200: { description: 'The images, in the order the statuses were reached.', schema: OrderMediaView } },
    problems: [404],
  },
  'GET /v1/orders/:orderId/media/:status': {
    tag: 'media',
    summary: 'A status’s image',
    description:
      'As in the order’s list, with links signed now (`Cache-Control: no-store`); the `href` of `media.attached` events. A status the order has no image for is a 404.',
    roles: readers,
    params: MediaPath,
    answers: { 200: { description: 'The image, or when it is due.', schema: MediaView } },
    problems: [404],
  },
};
