import { Topics } from '@orderpulse/contracts';
import { type ReconcileScope, ServiceJobs } from '@orderpulse/jobs';
import { kafkaNames } from '@orderpulse/kafka';
import { outboxRelayOf } from '@orderpulse/outbox';
import { type Platform, type ServiceParts, consumerGroupsOf } from '@orderpulse/service-kit';

import type { OrderConfig } from './config';
import { CatalogRepository } from './data-access/catalog.repository';
import { OrderChangeFeed } from './data-access/order-change-feed';
import { OrderRepository } from './data-access/order.repository';
import { trackRulingLateness } from './data-access/ruling-lateness';
import type { OrderPorts } from './domain/use-cases/ports';
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

  const relay = outboxRelayOf(platform, orders.store);
  const feed = new OrderChangeFeed(redis, redis.duplicate(), config.QUEUE_PREFIX);
  await feed.start();
  const jobs = new ServiceJobs(platform, 'order', config.QUEUE_PREFIX);
  const timers = jobs.queue<ResponseDeadlineJob>(responseDeadlineQueue, (job) => runResponseDeadline(ports, job), {
    retry: { attempts: 40, backoffMs: 200, maxBackoffMs: 5_000 },
    logContext: (job) => ({ orderId: job.orderId }),
  });
  trackRulingLateness(platform.metrics, orders.collection);

  const awaitingRider = new AwaitingRider();
  const ports: OrderPorts = {
    orders,
    catalog,
    timers,
    committed: (order) => {
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

  const consumerOf = consumerGroupsOf(kafka, 'order', config, 'orderId');
  const consumers = [
    consumerOf('storefront-intake', Topics.storefrontOrders, [storefrontIntake(ports)], {
      unknownTypes: 'dead-letter',
    }),
    consumerOf('delivery-assignment', Topics.orderEvents, [deliveryAssigner(ports)]),
  ];

  relay.start();
  await jobs.start();
  // Orders waiting for a rider are offered again on the same runner, and at once when a terminal is saved.
  // Every 5 minutes it also reads all waiting orders: those another instance saw before it died.
  const assignments = jobs.reconciler({
    name: 'assignments',
    run: (scope) => retryAssignments(ports, orders, awaitingRider, scope),
    intervalMs: config.ORDER_ASSIGN_RETRY_SECONDS * 1_000,
    fullEveryMs: 300_000,
  });
  const reconciler = jobs.reconciler({
    name: 'deadlines',
    epoch: true,
    run: (scope) => reconcileDeadlines(ports, orders, timers, scope),
    intervalMs: config.ORDER_RECONCILE_INTERVAL_SECONDS * 1_000,
  });

  return {
    ports,
    reconcile: (scope) => reconciler.runNow(scope),
    consumers,
    background: [reconciler, assignments],
    bodyLimits,
    api: { info: orderApiInfo, routes: orderApi },
    adminPages: [jobs.dashboard()],
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
      await jobs.stop();
      await relay.stop();
      await feed.stop();
    },
  };
}
