import {
  InstallationView,
  OrderTimelineView,
  PreferencesView,
  PushAppView,
  PushDeliveryList,
  PushLog,
  RealtimeFrame,
  RealtimeHello,
  RealtimeMessage,
  RealtimeNotification,
  RealtimeUnauthorized,
  RecipientView,
} from '@orderpulse/contracts';
import type { ApiInfo, ApiRoutes, Deprecation } from '@orderpulse/service-kit';

import {
  AppBody,
  AppCodeParam,
  PushLogQuery,
  InstallationBody,
  InstallationParam,
  PreferencesBody,
  StreamQuery,
  TimelinePath,
} from './schemas';

/** Everyone who receives notifications: the caller is always its own recipient. */
const recipients = ['customer', 'merchant', 'rider', 'handler', 'member'] as const;
const app = (description: string) => ({ description, schema: PushAppView });
const installation = (description: string) => ({ description, schema: InstallationView });

/** The push log's first path, which is also the order service's rider deliveries: kept until its sunset. */
export const pushLogFirstPath: Deprecation = { since: '2026-12-07', sunset: '2027-06-07', successor: '/v1/pushes' };

export const notificationApiInfo: ApiInfo = {
  title: 'orderpulse notification service',
  version: '1.0.0',
  description:
    'Tells every terminal of each order change at once (seeds 000, 001, 002): a push through the gateway to each registered installation, at most once per device, and a realtime message on the recipient’s own channel. A caller is always its own recipient: `customer:<id>`, `merchant:<merchant>` (every clerk of the token’s tenant), `rider:<terminal>`, `handler:<id>`, `member:<org>:<id>`. Realtime messages come as server-sent events (`GET /v1/realtime/events`) or over the WebSocket `/v1/realtime/ws` (token as `Authorization` or as the `bearer.<token>` subprotocol beside `orderpulse.v1`; `?cursor=` to resume), whose frames are the JSON of the events’ data (the contracts’ `RealtimeFrame`); it is closed with 4401 `token_expired` or 4403 `member_deactivated` when the caller’s access ends.',
  schemas: { RealtimeFrame, RealtimeHello, RealtimeNotification, RealtimeUnauthorized, RealtimeMessage },
};

/** Every route of the notification service. */
export const notificationApi: ApiRoutes = {
  'PUT /v1/apps/:appCode': {
    tag: 'registry',
    summary: 'Register a client app',
    description:
      'A client app, known by its application authorization code, and how its pushes go: its gateway (the service’s default when `gatewayUrl` is absent), the `authorization` the gateway expects (kept, never shown back) and its iOS build’s APNs topic. Saving again replaces the app.',
    roles: ['admin'],
    params: AppCodeParam,
    body: AppBody,
    example: {
      name: 'orderpulse merchant',
      gatewayUrl: 'https://push.example.com',
      authorization: 'Bearer gorush-secret',
      apnsTopic: 'com.orderpulse.merchant',
    },
    answers: { 201: app('Registered.'), 200: app('Replaced.') },
  },
  'GET /v1/apps/:appCode': {
    tag: 'registry',
    summary: 'Read a client app',
    roles: ['admin'],
    params: AppCodeParam,
    answers: { 200: app('The app.') },
    problems: [404],
  },
  'PUT /v1/installations/:installationId': {
    tag: 'registry',
    summary: 'Register the caller’s installation',
    description:
      'An installation of a registered app (an unknown `appCode` is a 422, `check: app_code`) on the caller’s device, filed under the caller. Registering again updates it; the same app’s device token under another installation id (a reinstall) replaces that one. An installation registered to someone else moves to the caller only with the same app and device token, or when the caller registered it: otherwise a 409 (`check: possession`).',
    roles: recipients,
    params: InstallationParam,
    body: InstallationBody,
    example: {
      appCode: 'merchant-app',
      platform: 'android',
      deviceToken: 'fcm:dGhpcyBpcyBhIGRldmljZSB0b2tlbg',
      locale: 'zh-CN',
    },
    answers: { 201: installation('Registered.'), 200: installation('Updated, or moved to the caller.') },
    problems: [409, 422],
  },
  'DELETE /v1/installations/:installationId': {
    tag: 'registry',
    summary: 'Remove the caller’s installation',
    description: 'Takes no body. Removing one the caller has not registered changes nothing and answers the same.',
    roles: recipients,
    params: InstallationParam,
    answers: { 204: { description: 'Removed, or not there.' } },
  },
  'GET /v1/me': {
    tag: 'registry',
    summary: 'The caller as a recipient',
    description: 'Its key, muted categories, locale and installations.',
    roles: recipients,
    answers: { 200: { description: 'The recipient.', schema: RecipientView } },
  },
  'PUT /v1/me/preferences': {
    tag: 'registry',
    summary: 'Set the caller’s preferences',
    description:
      'Replaces the muted categories (their pushes are not sent; realtime messages still are). A `locale` given becomes the recipient’s, winning over each order’s; one left out keeps the one saved.',
    roles: recipients,
    body: PreferencesBody,
    example: { muted: ['delivery_progress'], locale: 'en' },
    answers: { 200: { description: 'Saved.', schema: PreferencesView } },
  },
  'GET /v1/pushes': {
    tag: 'pushes',
    summary: 'The push log',
    description:
      'Every push, each try at the gateway and how it ended, by `orderId` (oldest first) or by `recipient` (newest first), at most `limit`. An admin reads everyone’s and names one of them; anyone else reads only what was sent to itself (another `recipient` is a 403).',
    roles: [...recipients, 'admin'],
    query: PushLogQuery,
    answers: { 200: { description: 'The pushes.', schema: PushLog } },
  },
  'GET /v1/deliveries': {
    tag: 'pushes',
    summary: 'The push log (deprecated: `GET /v1/pushes`)',
    description:
      'The push log under its first name, answering `deliveries` where `GET /v1/pushes` answers `pushes`; otherwise the same. `/v1/deliveries` is the order service’s rider deliveries.',
    roles: [...recipients, 'admin'],
    query: PushLogQuery,
    deprecated: pushLogFirstPath,
    answers: { 200: { description: 'The pushes.', schema: PushDeliveryList } },
  },
  'GET /v1/admin/orders/:orderId/timeline': {
    tag: 'operations',
    summary: 'One order across the services',
    description:
      'Its events on every order and media topic and their dead-letter topics, its state changes and countdown (order service), each push and its tries, its images (media service), merged oldest first — the answer to "why was this customer not told?". A source that does not answer is named in `unreadable`. With `Accept: text/plain`, the same as lines for a terminal.',
    roles: ['admin'],
    params: TimelinePath,
    answers: { 200: { description: 'The timeline.', schema: OrderTimelineView } },
  },
  'GET /v1/realtime/events': {
    tag: 'realtime',
    summary: 'Follow the caller’s messages as server-sent events',
    description:
      'First `event: hello` (the contracts’ `RealtimeHello`: the cursor, the server’s clock, `gap`), then each message as `event: notification` with `id:` its cursor and `data:` a `RealtimeNotification` (its `message` is a `RealtimeMessage`), with a `: heartbeat` comment between. A client coming back with `Last-Event-ID` (an EventSource resends it) or `cursor` gets what it missed first; when `hello.gap` is true it reloads its state instead. When the token that opened it expires, or a member leaves its organisation, the stream sends `event: unauthorized` (`RealtimeUnauthorized`) and ends.',
    roles: recipients,
    queryToken: true,
    query: StreamQuery.omit({ access_token: true }),
    headers: { 'Last-Event-ID': { description: 'The cursor of the last message seen; wins over `cursor`.' } },
    answers: { 200: { description: 'The event stream.', contentType: 'text/event-stream', frames: 'RealtimeFrame' } },
  },
};
