import { z } from 'zod';

import { Countdown } from '../events/order-snapshot';
import { Locale } from '../order-words';

/** A time the route holds as a `Date`, as it goes on the wire: an RFC 3339 string, UTC. */
const Instant = z.preprocess((value) => (value instanceof Date ? value.toISOString() : value), z.iso.datetime());

const recipient = z
  .string()
  .describe(
    'the recipient key: `customer:<id>`, `merchant:<merchant>`, `rider:<terminal>`, `handler:<id>` or `member:<org>:<id>`, each part percent-encoded',
  );

/** What a notification is about; a recipient can mute a category's pushes. */
export const NotificationCategory = z.enum([
  'new_order',
  'order_outcome',
  'delivery_progress',
  'assignment',
  'audit',
  'sharing',
]);

/** The platforms an installation can be on; web installations get the realtime channel only. */
export const DevicePlatform = z.enum(['ios', 'android', 'web']);

/**
 * One notice to one recipient, as its terminals receive it over the realtime channels
 * (`message` of a {@link RealtimeNotification}) and as its push carries it in its data.
 */
export const RealtimeMessage = z.object({
  id: z
    .string()
    .describe('the message’s id: the same event and recipient always give the same one, so a terminal shows it once'),
  eventId: z.string().describe('the CloudEvents id of the event it tells of'),
  eventType: z
    .string()
    .describe(
      'the CloudEvents type of that event: `order.placed`, `order.status-changed`, `audit.case-opened`, `share.offered`, `media.attached`…',
    ),
  category: NotificationCategory,
  orderId: z
    .string()
    .describe(
      'the order it is about: an order id; for audit cases the order number; for sharing the guarantee order’s or second order’s id',
    ),
  status: z
    .string()
    .optional()
    .describe(
      'the order’s status after the event (`refused` for a refused placement), or the share’s or guarantee order’s status for sharing notices',
    ),
  title: z.string().describe('in the recipient’s locale, else the order’s'),
  body: z.string(),
  countdown: Countdown.optional().describe(
    'the order’s response deadline, or a share’s claim deadline, with the server’s clock when it was said: a screen counts from `serverTime`, not from its own clock',
  ),
  media: z
    .object({
      mediaId: z.string(),
      source: z.enum(['photo', 'synthesized']),
      fallback: z.boolean().describe('a synthesized image standing in for a photo that did not come in time'),
      href: z.string().describe('the media service’s path that answers fresh links to the order’s readers'),
      imageUrl: z
        .url()
        .optional()
        .describe('a short-lived link to the image; left out when it would not work for another minute'),
      thumbnailUrl: z.url().optional(),
      expiresAt: z.iso.datetime().optional().describe('when the links stop working'),
    })
    .optional()
    .describe('the image attached to the status (seed 000)'),
  at: z.iso.datetime().describe('when the message was made'),
});
export type RealtimeMessage = z.infer<typeof RealtimeMessage>;

/** The first frame of every realtime connection: where the client stands, and the server's clock. */
export const RealtimeHello = z.object({
  type: z.literal('hello'),
  recipient,
  cursor: z
    .string()
    .describe(
      'the cursor to resume from: the last message replayed, or the newest when the client gave none or there is a gap',
    ),
  serverTime: z.iso.datetime(),
  gap: z
    .boolean()
    .describe(
      'not every message after the client’s cursor could be replayed (trimmed, expired, or not this backlog’s cursor): reload the state and go on from `cursor`',
    ),
  replayed: z.number().int().nonnegative().describe('how many messages after the client’s cursor follow this frame'),
});

/** One message, with its cursor (SSE `id:`), as a frame on the realtime channels. */
export const RealtimeNotification = z.object({
  type: z.literal('notification'),
  cursor: z
    .string()
    .describe(
      'this message’s place in the recipient’s backlog: send it back as `cursor` (or `Last-Event-ID`) to resume after it',
    ),
  serverTime: z.iso.datetime().describe('the server’s clock when the frame was sent'),
  message: RealtimeMessage,
});

/** The event stream's last frame when the caller's access ends (a WebSocket is closed with the same code and reason instead). */
export const RealtimeUnauthorized = z.object({
  type: z.literal('unauthorized'),
  reason: z.enum(['token_expired', 'member_deactivated']),
  code: z
    .union([z.literal(4401), z.literal(4403)])
    .describe('4401 with `token_expired`, 4403 with `member_deactivated`'),
});

/** Every frame of the realtime channels, by its `type` (SSE: also its `event:` name). */
export const RealtimeFrame = z.discriminatedUnion('type', [RealtimeHello, RealtimeNotification, RealtimeUnauthorized]);

/** A client app as shown back: whether it has gateway credentials, never the credentials. */
export const PushAppView = z.object({
  appCode: z.string().describe('the application authorization code'),
  name: z.string(),
  provider: z.literal('gorush'),
  gatewayUrl: z.string().optional().describe('the app’s push gateway; the service’s default when absent'),
  apnsTopic: z.string().optional().describe('the APNs topic (bundle id) of the app’s iOS build'),
  hasCredentials: z.boolean().describe('whether an `authorization` is kept for the gateway'),
});

/** An installation as registered. */
export const InstallationView = z.object({
  installationId: z.string(),
  recipient,
  appCode: z.string(),
  platform: DevicePlatform,
  locale: Locale.optional().describe('the device’s own locale, which wins over the recipient’s'),
});

/** The caller as a recipient: its preferences and its installations (never their device tokens). */
export const RecipientView = z.object({
  recipient,
  muted: z
    .array(NotificationCategory)
    .describe('the categories whose pushes are not sent (realtime messages still are)'),
  locale: Locale.optional(),
  installations: z.array(InstallationView.omit({ recipient: true }).extend({ registeredAt: Instant })),
});

/** A recipient's preferences as saved. */
export const PreferencesView = z.object({
  recipient,
  muted: z.array(NotificationCategory),
  locale: Locale.optional().describe('the locale sent, when one was'),
});

/** One try of a push at the gateway. */
export const PushAttempt = z.object({
  attempt: z.number().int().min(1).describe('1 for the first try'),
  at: Instant,
  outcome: z
    .enum(['sending', 'unknown', 'delivered', 'token_invalid', 'rejected', 'retry', 'expired'])
    .describe(
      '`sending`: at the gateway now; `unknown`: its outcome was never recorded (its sender died), the gateway may have taken it; `retry`: a 5xx, 429 or timeout, tried again',
    ),
  httpStatus: z.number().int().optional().describe('the gateway’s HTTP status'),
  error: z.string().optional(),
  ms: z.number().nonnegative().describe('how long the try took, in milliseconds'),
});

/** Where a push stands: waiting to be sent, at the gateway, or how it ended. */
export const PushStatus = z
  .enum(['pending', 'sending', 'delivered', 'token_invalid', 'rejected', 'failed', 'muted', 'unsupported', 'expired'])
  .describe(
    '`token_invalid`: the device was removed; `rejected`: a 4xx, not retried; `failed`: every try failed; `muted`: the recipient muted the category; `unsupported`: no provider reaches the platform (realtime only); `expired`: its countdown ended before it could be sent',
  );
export type PushStatus = z.infer<typeof PushStatus>;

/** One push: one event, one recipient, one device, and each of its tries. */
export const PushDelivery = z.object({
  idempotencyKey: z
    .string()
    .describe(
      'the push’s key, sent to the gateway as `Idempotency-Key` and as the collapse id: a push sent again shows once',
    ),
  eventId: z.string(),
  eventType: z.string(),
  orderId: z.string(),
  recipient,
  installationId: z.string(),
  appCode: z.string(),
  platform: DevicePlatform,
  category: NotificationCategory,
  title: z.string(),
  body: z.string(),
  status: PushStatus,
  attempts: z.array(PushAttempt),
  note: z.string().optional().describe('why a push ended without a try at the gateway'),
  data: z.record(z.string(), z.unknown()).optional().describe('the push’s data as sent to the gateway'),
  createdAt: Instant,
  updatedAt: Instant,
});

/** Pushes from the push log (`GET /v1/pushes`): an order's oldest first, a recipient's newest first. */
export const PushLog = z.object({ pushes: z.array(PushDelivery) });

/** The same, as the deprecated `GET /v1/deliveries` answers it. */
export const PushDeliveryList = z.object({ deliveries: z.array(PushDelivery) });

/** One order across the services, oldest first, with the sources that could not be read. */
export const OrderTimelineView = z.object({
  orderId: z.string(),
  status: z.string().optional().describe('the order’s status, when the order service answered'),
  entries: z.array(
    z.object({
      at: z.iso.datetime({ offset: true }),
      source: z.enum(['event', 'dead-letter', 'state', 'timer', 'push', 'media']),
      what: z
        .string()
        .describe(
          'a line for a person: `order.placed on orderpulse.order.events`, `new → accepted by merchant:clerk-1`, `push to customer:c-1 try 1: delivered`',
        ),
      detail: z.record(z.string(), z.unknown()),
    }),
  ),
  pushes: z
    .record(z.string(), z.record(z.string(), z.number().int()))
    .describe('how each recipient’s pushes ended: `{ "customer:c-1": { "delivered": 3, "failed": 1 } }`'),
  unreadable: z
    .array(z.string())
    .describe('each source that did not answer, with why: a gap in the entries is not nothing having happened'),
});
