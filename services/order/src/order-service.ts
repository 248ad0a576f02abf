import { Topics } from '@orderpulse/contracts';
import { JobWorker, queueDashboard, type ReconcileScope, Reconciler, RedisEpoch, TimerQueue } from '@orderpulse/jobs';
import { isTransient, kafkaNames } from '@orderpulse/kafka';
import { outboxRelayOf } from '@orderpulse/outbox';
import {
  type Platform,
  type ServiceParts,
  trackTimers,
  withLogContext,
  consumerGroupsOf,
} from '@orderpulse/service-kit';

import type { OrderConfig } from './config';
import { CatalogRepository } from './data-access/catalog.repository';
import { OrderChangeFeed } from './data-access/order-change-feed';
import { OrderRepository } from './data-access/order.repository';
import { trackRulingLateness } from './data-access/ruling-lateness';
import type { OrderPorts } from './domain/use-cases/deps';
import { orderApi, orderApiInfo } from './entry-points/http/api';
import { catalogRoutes } from './entry-points/http/catalog.routes';
import { deliveryRoutes } from './entry-points/http/delivery.routes';
import { orderRoutes } from './entry-points/http/order.routes';
import { bodyLimits } from './entry-points/http/schemas';
import { AwaitingRider, retryAssignments } from './entry-points/jobs/assignments.reconciler';
import { reconcileDeadlines, type ReconcileReport } from './entry-points/jobs/deadlines.reconciler';
import {
  type ResponseDeadlineJob,
  responseDeadlineQueue,
  runResponseDeadline,
} from './entry-points/jobs/response-deadline.job';
import { deliveryAssigner } from './entry-points/kafka/order-events.consumer';
import { storefrontIntake } from './entry-points/kafka/storefront-orders.consumer';

export interface OrderService extends ServiceParts {
  /** A reconciler pass now: `all` pending orders (the default), or only what is `due`. */
  reconcile(scope?: ReconcileScope): Promise<ReconcileReport>;
  ports: OrderPorts;
}

/** Wires the order service onto the platform's connections: repositories, relay, timers, consumers, routes. */
export async function wireOrderService(platform: Platform, config: OrderConfig): Promise<OrderService> {
  const { mongo, redis, kafka, producer, logger } = platform;
  if (!mongo?.db || !redis || !kafka || !producer) throw new Error('the order service needs MongoDB, Redis and Kafka');
  const { topic } = kafkaNames(config.KAFKA_TOPIC_PREFIX, 'order');

  const orders = new OrderRepository(mongo.db);
  const catalog = new CatalogRepository(mongo.db);
  await Promise.all([orders.createIndexes(), catalog.createIndexes()]);

  const relay = outboxRelayOf(platform, orders.collection);
  const feed = new OrderChangeFeed(redis, redis.duplicate(), config.QUEUE_PREFIX);
  await feed.start();
  const jobs = { connection: redis, prefix: config.QUEUE_PREFIX };
  const timers = new TimerQueue<ResponseDeadlineJob>(responseDeadlineQueue, jobs, {
    attempts: 40,
    backoffMs: 200,
    maxBackoffMs: 5_000,
  });
  trackTimers(platform.metrics, [timers]);
  trackRulingLateness(platform.metrics, orders.collection);

  const awaitingRider = new AwaitingRider();
  const ports: OrderPorts = {
    orders,
    catalog,
    timers,
    committed: (order) => {
      relay.announce(order.orderId);
      awaitingRider.note(order);
      feed
        .changed(order.orderId, order.version)
        .catch((error: unknown) => logger.warn({ err: error, orderId: order.orderId }, 'change feed publish failed'));
    },
    clock: () => new Date(),
    settings: {
      defaultResponseWindowSeconds: config.ORDER_RESPONSE_WINDOW_SECONDS,
      source: 'orderpulse/order',
      orderEventsTopic: topic(Topics.orderEvents),
      storefrontRepliesTopic: topic(Topics.storefrontReplies),
    },
  };

  const worker = new JobWorker<ResponseDeadlineJob>(
    responseDeadlineQueue,
    jobs,
    (job, context) =>
      withLogContext({ jobId: context.id, orderId: job.orderId }, () => runResponseDeadline(ports, job)),
    { onError: (error) => logger.warn({ err: error, queue: responseDeadlineQueue }, 'job worker error'), isTransient },
  );
  const consumerOf = consumerGroupsOf(kafka, 'order', config, 'orderId');
  const consumers = [
    consumerOf('storefront-intake', Topics.storefrontOrders, [storefrontIntake(ports)], {
      unknownTypes: 'dead-letter',
    }),
    consumerOf('delivery-assignment', Topics.orderEvents, [deliveryAssigner(ports)]),
  ];

  relay.start();
  await worker.start();
  // Orders waiting for a rider are offered again on the same runner, and at once when a terminal is saved.
  // Every 5 minutes it also reads all waiting orders: those another instance saw before it died.
  const assignments = new Reconciler({
    name: 'assignments',
    run: (scope) => retryAssignments(ports, orders, awaitingRider, scope),
    intervalMs: config.ORDER_ASSIGN_RETRY_SECONDS * 1_000,
    fullEveryMs: 300_000,
    logger,
  });
  const reconciler = new Reconciler({
    name: 'deadlines',
    // A Redis emptied (FLUSHALL, a restart without its AOF) is noticed within seconds, not at the next pass.
    epoch: new RedisEpoch(redis, `${config.QUEUE_PREFIX}:epoch:order`),
    run: (scope) => reconcileDeadlines(ports, orders, timers, scope),
    intervalMs: config.ORDER_RECONCILE_INTERVAL_SECONDS * 1_000,
    logger,
  });

  const dashboard = queueDashboard([responseDeadlineQueue], jobs);
  return {
    ports,
    reconcile: (scope) => reconciler.runNow(scope),
    consumers,
    background: [reconciler, assignments],
    bodyLimits,
    api: { info: orderApiInfo, routes: orderApi },
    adminPages: [dashboard],
    routes: (app) => {
      orderRoutes(app, {
        ports,
        feed,
        auth: platform.auth,
        longPollMaxSeconds: config.ORDER_LONG_POLL_MAX_SECONDS,
        orders,
      });
      deliveryRoutes(app, {
        ports,
        auth: platform.auth,
        listForTerminal: (id, limit) => orders.listForTerminal(id, limit),
      });
      catalogRoutes(app, {
        catalog,
        auth: platform.auth,
        terminalSaved: () => void assignments.runNow('due').catch(() => undefined),
      });
    },
    stop: async () => {
      await worker.stop();
      await relay.stop();
      await timers.close();
      await feed.stop();
    },
  };
}
