import { commonEnv, fetchableUrl, kafkaEnv, mongoEnv, redisEnv, unsetWhenEmpty } from '@orderpulse/service-kit';
import { z } from 'zod';

/** Every environment key the notification service reads, validated once at start. */
export const NotificationConfig = z.object({
  ...commonEnv,
  ...kafkaEnv,
  ...mongoEnv,
  ...redisEnv,
  /** The gorush-compatible gateway an app uses when its registration names none. */
  PUSH_GATEWAY_URL: fetchableUrl.default('http://127.0.0.1:8088'),
  /** How long one request to the gateway may take before it counts as failed (and is retried). */
  PUSH_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  /** Tries per push in all, for gateway 5xx and timeouts; 4xx is never retried. */
  PUSH_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(6),
  /** The first retry's delay; it doubles with each further try. */
  PUSH_BACKOFF_MS: z.coerce.number().int().min(10).max(600_000).default(2_000),
  /** Pushes in flight at once, per instance. */
  PUSH_CONCURRENCY: z.coerce.number().int().min(1).max(512).default(32),
  /** How long a push job's lock lives; a job whose instance died is taken up again after it lapses. */
  PUSH_LOCK_SECONDS: z.coerce.number().int().min(2).max(600).default(30),
  /** How often the push reconciler queues again the pushes the push log holds unfinished whose job Redis lost. */
  PUSH_RECONCILE_SECONDS: z.coerce.number().int().min(1).max(3_600).default(60),
  /** Unfinished pushes the push reconciler reads at a time. */
  PUSH_RECONCILE_PAGE: z.coerce.number().int().min(1).max(10_000).default(500),
  /** How long an app registration is reused before it is read again (0: read it for every push). */
  REGISTRY_APP_CACHE_SECONDS: z.coerce.number().int().min(0).max(3_600).default(5),
  /**
   * How long a recipient's devices and preferences are reused before they are read again (0: read
   * them for every event). Every instance forgets a recipient as soon as a change to it is made
   * anywhere (Redis pub/sub), so this only bounds what a change lost otherwise would cost.
   */
  REGISTRY_RECIPIENT_CACHE_SECONDS: z.coerce.number().int().min(0).max(3_600).default(15),
  /** Heartbeat of WebSocket (ping) and SSE (comment) connections. */
  REALTIME_HEARTBEAT_SECONDS: z.coerce.number().int().min(1).max(300).default(25),
  /** Messages kept per recipient for reconnecting clients to catch up from their cursor. */
  REALTIME_BACKLOG: z.coerce.number().int().min(10).max(100_000).default(500),
  /** The order service, asked for an order's state changes by the admin timeline (unset: not asked). */
  ORDER_SERVICE_URL: unsetWhenEmpty(fetchableUrl.optional()),
  /** The media service, asked for an order's images by the admin timeline (unset: not asked). */
  MEDIA_SERVICE_URL: unsetWhenEmpty(fetchableUrl.optional()),
  /** How long a recipient's backlog is kept after its last message. */
  REALTIME_BACKLOG_HOURS: z.coerce.number().int().min(1).max(720).default(72),
  /** The sharing service, asked whether a member with an open realtime connection is still an active member; unset: not asked. */
  SHARING_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** How often a member's open realtime connection asks the sharing service again. */
  REALTIME_RECHECK_SECONDS: z.coerce.number().int().min(1).max(3_600).default(60),
});
export type NotificationConfig = z.infer<typeof NotificationConfig>;
