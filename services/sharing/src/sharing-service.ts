import { randomBytes } from 'node:crypto';

import { Topics } from '@orderpulse/contracts';
import { JobWorker, queueDashboard, type ReconcileScope, Reconciler, RedisEpoch, TimerQueue } from '@orderpulse/jobs';
import { isTransient, kafkaNames } from '@orderpulse/kafka';
import { outboxRelayOf } from '@orderpulse/outbox';
import { type Platform, type ServiceParts, trackTimers, withLogContext } from '@orderpulse/service-kit';

import type { SharingConfig } from './config';
import { GuaranteeOrderRepository } from './data-access/guarantee-order.repository';
import { OrganisationRepository } from './data-access/organisation.repository';
import type { ClaimExpiryJob, SharingPorts } from './domain/use-cases/deps';
import { sharingApi, sharingApiInfo } from './entry-points/http/api';
import { guaranteeOrderRoutes } from './entry-points/http/guarantee-order.routes';
import { organisationRoutes } from './entry-points/http/organisation.routes';
import { bodyLimits } from './entry-points/http/schemas';
import { claimExpiryQueue, runClaimExpiry } from './entry-points/jobs/claim-expiry.job';
import { reconcileClaimWindows, type ReconcileReport } from './entry-points/jobs/claim-windows.reconciler';

export interface SharingService extends ServiceParts {
  /** A reconciler pass now: `all` pending shares (the default), or only what is `due`. */
  reconcile(scope?: ReconcileScope): Promise<ReconcileReport>;
  ports: SharingPorts;
  timers: TimerQueue<ClaimExpiryJob>;
}

/** Wires the sharing service onto the platform's connections: repositories, relay, claim-window timers, routes. */
export async function wireSharingService(platform: Platform, config: SharingConfig): Promise<SharingService> {
  const { mongo, redis, producer, logger } = platform;
  if (!mongo?.db || !redis || !producer) throw new Error('the sharing service needs MongoDB, Redis and Kafka');

  const orders = new GuaranteeOrderRepository(mongo.db);
  const organisations = new OrganisationRepository(mongo.db);
  await Promise.all([orders.createIndexes(), organisations.createIndexes()]);
  const reranked = await orders.rerank(config.SHARE_TYPE_PRIORITY);
  if (reranked > 0) logger.info({ reranked }, 'order type priorities changed; orders re-ranked');

  const relay = outboxRelayOf(platform, orders.collection);
  const jobs = { connection: redis, prefix: config.QUEUE_PREFIX };
  const timers = new TimerQueue<ClaimExpiryJob>(claimExpiryQueue, jobs, {
    attempts: 40,
    backoffMs: 200,
    maxBackoffMs: 5_000,
  });
  trackTimers(platform.metrics, [timers]);

  const ports: SharingPorts = {
    orders,
    organisations,
    timers,
    committed: (order) => relay.announce(order.orderId),
    clock: () => new Date(),
    newShareId: () => `so_${randomBytes(12).toString('hex')}`,
    settings: {
      source: 'orderpulse/sharing',
      sharingEventsTopic: kafkaNames(config.KAFKA_TOPIC_PREFIX, 'sharing').topic(Topics.sharingEvents),
      claimWindowSeconds: config.SHARE_CLAIM_WINDOW_SECONDS,
      maxShares: config.SHARE_MAX_SHARES,
      typePriority: config.SHARE_TYPE_PRIORITY,
    },
  };

  const worker = new JobWorker<ClaimExpiryJob>(
    claimExpiryQueue,
    jobs,
    (job, context) => withLogContext({ jobId: context.id, orderId: job.orderId }, () => runClaimExpiry(ports, job)),
    { onError: (error) => logger.warn({ err: error, queue: claimExpiryQueue }, 'job worker error'), isTransient },
  );

  relay.start();
  await worker.start();
  const reconciler = new Reconciler({
    name: 'claim windows',
    // A Redis emptied (FLUSHALL, a restart without its AOF) is noticed within seconds, not at the next pass.
    epoch: new RedisEpoch(redis, `${config.QUEUE_PREFIX}:epoch:sharing`),
    run: (scope) => reconcileClaimWindows(ports, orders, timers, scope),
    intervalMs: config.SHARE_RECONCILE_INTERVAL_SECONDS * 1_000,
    logger,
  });

  const dashboard = queueDashboard([claimExpiryQueue], jobs);
  return {
    ports,
    timers,
    reconcile: (scope) => reconciler.runNow(scope),
    background: [reconciler],
    bodyLimits,
    api: { info: sharingApiInfo, routes: sharingApi },
    adminPages: [dashboard],
    routes: (app) => {
      organisationRoutes(app, { organisations, auth: platform.auth, clock: () => ports.clock() });
      guaranteeOrderRoutes(app, { ports, auth: platform.auth, orders });
    },
    stop: async () => {
      await worker.stop();
      await relay.stop();
      await timers.close();
    },
  };
}
