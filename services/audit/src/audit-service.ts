import { Topics } from '@orderpulse/contracts';
import { type ReconcileScope, ServiceJobs } from '@orderpulse/jobs';
import { kafkaNames } from '@orderpulse/kafka';
import { outboxRelayOf } from '@orderpulse/outbox';
import { type Platform, type ServiceParts, consumerGroupsOf } from '@orderpulse/service-kit';

import type { AuditConfig } from './config';
import { B2bOrderRepository } from './data-access/b2b-order.repository';
import { CaseRepository } from './data-access/case.repository';
import { PolicyRepository } from './data-access/policy.repository';
import type { AuditPorts, CaseCall, CaseTimer } from './domain/use-cases/ports';
import { adminRoutes } from './entry-points/http/admin.routes';
import { auditApi, auditApiInfo } from './entry-points/http/api';
import { caseRoutes } from './entry-points/http/case.routes';
import { bodyLimits } from './entry-points/http/schemas';
import { webhookRoutes } from './entry-points/http/webhook.routes';
import { callQueue, runCall } from './entry-points/jobs/case-call.job';
import { runTimer, timerQueue } from './entry-points/jobs/case-timer.job';
import { reconcileCases, type ReconcileReport } from './entry-points/jobs/cases.reconciler';
import { failureIntake } from './entry-points/kafka/audit-failures.consumer';
import { orderIntake } from './entry-points/kafka/b2b-orders.consumer';
import { MiddleOffice, UserSystem } from './providers/partners';

export interface AuditService extends ServiceParts {
  ports: AuditPorts;
  /** A reconciler pass now: `all` open cases (the default), or only what is `due`. */
  reconcile(scope?: ReconcileScope): Promise<ReconcileReport>;
}

/** Wires the audit service: cases, orders and policy; the relay; timers and calls; the intakes; the routes. */
export async function wireAuditService(platform: Platform, config: AuditConfig): Promise<AuditService> {
  const { mongo, redis, kafka, producer } = platform;
  if (!mongo?.db || !redis || !kafka || !producer) throw new Error('the audit service needs MongoDB, Redis and Kafka');
  const { topic } = kafkaNames(config.KAFKA_TOPIC_PREFIX, 'audit');

  const cases = new CaseRepository(mongo.db);
  const orders = new B2bOrderRepository(mongo.db);
  const policies = new PolicyRepository(mongo.db);
  await Promise.all([cases.createIndexes(), orders.createIndexes()]);
  const relay = outboxRelayOf(platform, cases.store);

  const jobs = new ServiceJobs(platform, 'audit', config.QUEUE_PREFIX);
  const timers = jobs.queue<CaseTimer>(timerQueue, (job) => runTimer(ports, job), {
    retry: { attempts: 40, backoffMs: 500, maxBackoffMs: 5_000 },
    logContext: (job) => ({ caseId: job.caseId }),
  });
  const calls = jobs.queue<CaseCall>(callQueue, (job, context) => runCall(ports, job, context.attempt), {
    retry: { attempts: config.AUDIT_CALL_ATTEMPTS, backoffMs: config.AUDIT_CALL_BACKOFF_MS },
    logContext: (job) => ({ caseId: job.caseId }),
  });
  const call = (url: string, secret: string) => ({ url, secret, timeoutMs: config.AUDIT_CALL_TIMEOUT_MS });

  const ports: AuditPorts = {
    cases,
    orders,
    policies,
    timers,
    calls,
    middleOffice: new MiddleOffice(call(config.MIDDLE_OFFICE_URL, config.MIDDLE_OFFICE_SECRET)),
    userSystem: new UserSystem(call(config.USER_SYSTEM_URL, config.USER_SYSTEM_SECRET)),
    clock: () => new Date(),
    settings: {
      source: 'orderpulse/audit',
      auditEventsTopic: topic(Topics.auditEvents),
      parkRetrySeconds: config.AUDIT_PARK_RETRY_SECONDS,
      parkGiveUpHours: config.AUDIT_PARK_GIVE_UP_HOURS,
      callAttempts: config.AUDIT_CALL_ATTEMPTS,
    },
  };

  const consumerOf = consumerGroupsOf(kafka, 'audit', config, 'orderNo');
  const consumers = [
    consumerOf('orders', Topics.b2bOrders, [orderIntake(ports)], { unknownTypes: 'dead-letter' }),
    consumerOf('failures', Topics.auditFailures, [failureIntake(ports)], { unknownTypes: 'dead-letter' }),
  ];

  relay.start();
  await jobs.start();
  const reconciler = jobs.reconciler({
    name: 'cases',
    epoch: true,
    run: (scope) => reconcileCases(ports, cases, scope),
    intervalMs: config.AUDIT_RECONCILE_INTERVAL_SECONDS * 1_000,
  });

  return {
    ports,
    reconcile: (scope) => reconciler.runNow(scope),
    consumers,
    background: [reconciler],
    bodyLimits,
    api: { info: auditApiInfo, routes: auditApi },
    adminPages: [jobs.dashboard()],
    routes: (app) => {
      webhookRoutes(app, {
        ports,
        secret: config.AUDIT_WEBHOOK_SECRET,
        toleranceSeconds: config.AUDIT_WEBHOOK_TOLERANCE_SECONDS,
      });
      caseRoutes(app, { ports, cases, auth: platform.auth });
      adminRoutes(app, { policies, auth: platform.auth, clock: () => ports.clock() });
    },
    stop: async () => {
      await jobs.stop();
      await relay.stop();
    },
  };
}
