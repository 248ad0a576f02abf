import { Topics } from '@orderpulse/contracts';
import { type Reconciler, ServiceJobs } from '@orderpulse/jobs';
import { isTransient } from '@orderpulse/kafka';
import { type Platform, type ServiceParts, consumerGroupsOf } from '@orderpulse/service-kit';
import { Counter, Gauge } from 'prom-client';

import type { NotificationConfig } from './config';
import { PushLogRepository } from './data-access/push-log.repository';
import { RealtimeBacklog } from './data-access/realtime-backlog';
import { RecipientChanges } from './data-access/recipient-changes';
import { RegistryRepository } from './data-access/registry.repository';
import type { NotificationPorts, PushJob } from './domain/use-cases/ports';
import {
  type PushReconcileReport,
  requeueLostPushes,
  type SendingSightings,
} from './domain/use-cases/requeue-pushes.use-case';
import { sendPush } from './domain/use-cases/send-push.use-case';
import { notificationApi, notificationApiInfo } from './entry-points/http/api';
import { pushLogRoutes } from './entry-points/http/push-log.routes';
import { registryRoutes } from './entry-points/http/registry.routes';
import { bodyLimits } from './entry-points/http/schemas';
import { EventStreams } from './entry-points/http/stream.routes';
import { timelineRoutes } from './entry-points/http/timeline.routes';
import { auditEventHandlers } from './entry-points/kafka/audit-events.consumer';
import { mediaEventHandlers } from './entry-points/kafka/media-events.consumer';
import { orderEventHandlers } from './entry-points/kafka/order-events.consumer';
import { sharingEventHandlers } from './entry-points/kafka/sharing-events.consumer';
import { WebSocketChannel } from './entry-points/realtime/websocket';
import { GorushProvider } from './providers/gorush.provider';
import { sharingMembership } from './providers/membership.provider';

export const pushQueue = 'push';

export interface NotificationService extends ServiceParts {
  ports: NotificationPorts;
  /** Puts back the pushes Redis lost; also among `background`. */
  pushReconciler: Reconciler<PushReconcileReport>;
  connections(): { websocket: number; sse: number };
}

/** Wires the notification service: registry, push log, realtime backlog, push worker, event consumers, channels. */
export async function wireNotificationService(
  platform: Platform,
  config: NotificationConfig,
): Promise<NotificationService> {
  const { mongo, redis, kafka, logger, auth, metrics } = platform;
  if (!mongo?.db || !redis || !kafka) throw new Error('the notification service needs MongoDB, Redis and Kafka');

  const changes = new RecipientChanges(redis, redis.duplicate(), config.QUEUE_PREFIX, { logger });
  await changes.start();
  const registry = new RegistryRepository(mongo.db, {
    appCacheMs: config.REGISTRY_APP_CACHE_SECONDS * 1_000,
    recipientCacheMs: config.REGISTRY_RECIPIENT_CACHE_SECONDS * 1_000,
    changes,
  });
  const pushOutcomes = new Counter({
    name: 'push_outcomes_total',
    help: 'Push attempts at the gateway by outcome (delivered, token_invalid, rejected, retry)',
    labelNames: ['outcome'] as const,
    registers: [metrics],
  });
  const log = new PushLogRepository(mongo.db, { onAttempt: (outcome) => pushOutcomes.inc({ outcome }) });
  await log.createIndexes();
  const backlog = new RealtimeBacklog(redis, redis.duplicate(), config.QUEUE_PREFIX, {
    maxPerRecipient: config.REALTIME_BACKLOG,
    ttlSeconds: config.REALTIME_BACKLOG_HOURS * 3_600,
  });
  await backlog.start();
  const jobs = new ServiceJobs(platform, 'notification', config.QUEUE_PREFIX);
  const pushes = jobs.queue<PushJob>(pushQueue, (job, context) => sendPush(ports, job, context), {
    retry: { attempts: config.PUSH_ATTEMPTS, backoffMs: config.PUSH_BACKOFF_MS },
    logContext: (job) => ({ recipient: job.recipient }),
    concurrency: config.PUSH_CONCURRENCY,
    lockDurationMs: config.PUSH_LOCK_SECONDS * 1_000,
  });
  const gorush = new GorushProvider({ defaultGatewayUrl: config.PUSH_GATEWAY_URL, timeoutMs: config.PUSH_TIMEOUT_MS });

  const ports: NotificationPorts = {
    registry,
    log,
    backlog,
    pushes,
    providers: new Map([[gorush.name, gorush]]),
    clock: () => new Date(),
    pushAttempts: config.PUSH_ATTEMPTS,
    pushTimeoutMs: config.PUSH_TIMEOUT_MS,
    isTransient,
  };

  // Each topic on a group of its own, so a backlog of audit cases, shares or images never holds up order notices, nor the reverse.
  const consumerOf = consumerGroupsOf(kafka, 'notification', config, 'orderId');
  const consumers = [
    consumerOf('routing', Topics.orderEvents, orderEventHandlers(ports)),
    consumerOf('audit-routing', Topics.auditEvents, auditEventHandlers(ports)),
    consumerOf('sharing-routing', Topics.sharingEvents, sharingEventHandlers(ports)),
    consumerOf('media-routing', Topics.mediaEvents, mediaEventHandlers(ports)),
  ];

  const access = {
    membership: config.SHARING_URL ? sharingMembership(config.SHARING_URL, 2_000) : undefined,
    recheckMs: config.REALTIME_RECHECK_SECONDS * 1_000,
  };
  const realtime = {
    backlog,
    auth,
    addressLimit: platform.addressLimit,
    logger,
    heartbeatSeconds: config.REALTIME_HEARTBEAT_SECONDS,
    replayLimit: config.REALTIME_BACKLOG,
    access,
  };
  const websockets = new WebSocketChannel(realtime);
  const streams = new EventStreams(realtime);
  new Gauge({
    name: 'realtime_connections',
    help: 'Open realtime connections by channel',
    labelNames: ['channel'] as const,
    registers: [metrics],
    collect() {
      this.set({ channel: 'websocket' }, websockets.size);
      this.set({ channel: 'sse' }, streams.size);
    },
  });

  await jobs.start();
  // Pushes Redis lost (emptied, restarted without its data) are queued again from the push log.
  const sendingSightings: SendingSightings = new Map();
  const pushReconciler = jobs.reconciler({
    name: 'pushes',
    epoch: true,
    run: () => requeueLostPushes(ports, config.PUSH_RECONCILE_PAGE, sendingSightings),
    intervalMs: config.PUSH_RECONCILE_SECONDS * 1_000,
  });

  return {
    ports,
    pushReconciler,
    consumers,
    background: [pushReconciler],
    connections: () => ({ websocket: websockets.size, sse: streams.size }),
    bodyLimits,
    api: { info: notificationApiInfo, routes: notificationApi },
    adminPages: [jobs.dashboard()],
    routes: (app) => {
      registryRoutes(app, { registry, auth });
      pushLogRoutes(app, { log, auth });
      timelineRoutes(app, {
        log,
        auth,
        kafka,
        topicPrefix: config.KAFKA_TOPIC_PREFIX,
        services: { order: config.ORDER_SERVICE_URL, media: config.MEDIA_SERVICE_URL },
      });
      streams.routes(app);
    },
    upgrade: websockets.upgrade,
    closeStreams: async () => {
      await Promise.all([websockets.close(), streams.close()]);
    },
    stop: async () => {
      await jobs.stop();
      await backlog.stop();
      await changes.stop();
    },
  };
}
