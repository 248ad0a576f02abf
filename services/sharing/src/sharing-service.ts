import { randomBytes } from 'node:crypto';

import { Topics } from '@orderpulse/contracts';
import { type ReconcileScope, ServiceJobs, type TimerQueue } from '@orderpulse/jobs';
import { kafkaNames } from '@orderpulse/kafka';
import { outboxRelayOf } from '@orderpulse/outbox';
import type { Platform, ServiceParts } from '@orderpulse/service-kit';

import type { SharingConfig } from './config';
import { GuaranteeOrderRepository } from './data-access/guarantee-order.repository';
import { OrganisationRepository } from './data-access/organisation.repository';
import type { ClaimExpiryJob, SharingPorts } from './domain/use-cases/ports';
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

  const relay = outboxRelayOf(platform, orders.store);
  const jobs = new ServiceJobs(platform, 'sharing', config.QUEUE_PREFIX);
  const timers = jobs.queue<ClaimExpiryJob>(claimExpiryQueue, (job) => runClaimExpiry(ports, job), {
    retry: { attempts: 40, backoffMs: 200, maxBackoffMs: 5_000 },
    logContext: (job) => ({ orderId: job.orderId }),
  });

  const ports: SharingPorts = {
    orders,
    organisations,
    timers,
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

  relay.start();
  await jobs.start();
  const reconciler = jobs.reconciler({
    name: 'claim windows',
    epoch: true,
    run: (scope) => reconcileClaimWindows(ports, orders, timers, scope),
    intervalMs: config.SHARE_RECONCILE_INTERVAL_SECONDS * 1_000,
  });

  return {
    ports,
    timers,
    reconcile: (scope) => reconciler.runNow(scope),
    background: [reconciler],
    bodyLimits,
    api: { info: sharingApiInfo, routes: sharingApi },
    adminPages: [jobs.dashboard()],
    routes: (app) => {
      organisationRoutes(app, { organisations, auth: platform.auth, clock: () => ports.clock() });
      guaranteeOrderRoutes(app, { ports, auth: platform.auth, orders });
    },
    stop: async () => {
      await jobs.stop();
      await relay.stop();
    },
  };
}
