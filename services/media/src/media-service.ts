import { randomBytes } from 'node:crypto';

import { Topics } from '@orderpulse/contracts';
import { JobWorker, queueDashboard, type ReconcileScope, Reconciler, RedisEpoch, TimerQueue } from '@orderpulse/jobs';
import { isTransient, kafkaNames } from '@orderpulse/kafka';
import { createS3Client } from '@orderpulse/object-store';
import { outboxRelayOf } from '@orderpulse/outbox';
import {
  type Platform,
  type ServiceParts,
  trackTimers,
  withLogContext,
  consumerGroupsOf,
} from '@orderpulse/service-kit';

import type { MediaConfig } from './config';
import { MediaStore } from './data-access/media-store';
import { OrderMediaRepository } from './data-access/order-media.repository';
import type { MediaDueJob, MediaPorts } from './domain/use-cases/deps';
import { mediaApi, mediaApiInfo } from './entry-points/http/api';
import { mediaRoutes } from './entry-points/http/media.routes';
import { bodyLimits } from './entry-points/http/schemas';
import { mediaDueQueue, runMediaDue } from './entry-points/jobs/media-due.job';
import { reconcileOwed, type ReconcileReport } from './entry-points/jobs/owed-images.reconciler';
import { orderEventHandlers } from './entry-points/kafka/order-events.consumer';
import { SharpCodec } from './providers/sharp-codec';

export interface MediaService extends ServiceParts {
  ports: MediaPorts;
  /** A reconciler pass now: `all` owed images (the default), or only what is `due`. */
  reconcile(scope?: ReconcileScope): Promise<ReconcileReport>;
  timers: TimerQueue<MediaDueJob>;
}

/** Wires the media service: repository and relay, the bucket, sharp, the due timers, the order-event consumer, routes. */
export async function wireMediaService(platform: Platform, config: MediaConfig): Promise<MediaService> {
  const { mongo, redis, kafka, producer, logger } = platform;
  if (!mongo?.db || !redis || !kafka || !producer) throw new Error('the media service needs MongoDB, Redis and Kafka');
  const { topic } = kafkaNames(config.KAFKA_TOPIC_PREFIX, 'media');

  const orders = new OrderMediaRepository(mongo.db);
  await orders.createIndexes();
  const relay = outboxRelayOf(platform, orders.collection);
  const s3Settings = {
    endpoint: config.S3_ENDPOINT,
    region: config.S3_REGION,
    accessKeyId: config.S3_ACCESS_KEY_ID,
    secretAccessKey: config.S3_SECRET_ACCESS_KEY,
    forcePathStyle: config.S3_FORCE_PATH_STYLE,
  };
  const s3 = createS3Client(s3Settings);
  const presigner = config.S3_PUBLIC_ENDPOINT
    ? createS3Client({ ...s3Settings, endpoint: config.S3_PUBLIC_ENDPOINT })
    : s3;
  const jobs = { connection: redis, prefix: config.QUEUE_PREFIX };
  const timers = new TimerQueue<MediaDueJob>(mediaDueQueue, jobs, {
    attempts: 40,
    backoffMs: 500,
    maxBackoffMs: 5_000,
  });
  trackTimers(platform.metrics, [timers]);

  const store = new MediaStore(s3, config.S3_BUCKET, presigner);
  const ports: MediaPorts = {
    orders,
    objects: store,
    images: new SharpCodec(config.MEDIA_PHOTO_MAX_DIMENSION),
    timers,
    committed: (orderId) => relay.announce(orderId),
    clock: () => new Date(),
    newId: (prefix) => `${prefix}_${randomBytes(12).toString('hex')}`,
    settings: {
      policy: config.MEDIA_POLICY,
      limits: {
        maxBytes: config.MEDIA_UPLOAD_MAX_BYTES,
        minDimension: config.MEDIA_PHOTO_MIN_DIMENSION,
        maxDimension: config.MEDIA_PHOTO_MAX_DIMENSION,
      },
      keyPrefix: config.MEDIA_KEY_PREFIX,
      grantSeconds: config.MEDIA_UPLOAD_GRANT_SECONDS,
      confirmGraceSeconds: config.MEDIA_CONFIRM_GRACE_SECONDS,
      confirmLeaseSeconds: config.MEDIA_CONFIRM_LEASE_SECONDS,
      graceSeconds: config.MEDIA_PHOTO_GRACE_SECONDS,
      readUrlSeconds: config.MEDIA_READ_URL_SECONDS,
      pushUrlSeconds: config.MEDIA_PUSH_URL_SECONDS,
      synthFormat: config.MEDIA_SYNTH_FORMAT,
      timeZone: config.MEDIA_TIME_ZONE,
      source: 'orderpulse/media',
      mediaEventsTopic: topic(Topics.mediaEvents),
    },
  };

  // Rendering is CPU work: a few at a time per instance keeps the event loop answering HTTP.
  const worker = new JobWorker<MediaDueJob>(
    mediaDueQueue,
    jobs,
    (job, context) => withLogContext({ jobId: context.id, orderId: job.orderId }, () => runMediaDue(ports, job)),
    {
      concurrency: 4,
      onFailed: (id, reason) => logger.warn({ jobId: id, reason }, 'media due job gave up; the reconciler settles it'),
      onError: (error) => logger.warn({ err: error, queue: mediaDueQueue }, 'job worker error'),
      isTransient,
    },
  );
  const consumer = consumerGroupsOf(
    kafka,
    'media',
    config,
    'orderId',
  )('order-events', Topics.orderEvents, orderEventHandlers(ports));

  relay.start();
  await worker.start();
  const reconciler = new Reconciler({
    name: 'owed images',
    // A Redis emptied (FLUSHALL, a restart without its AOF) is noticed within seconds, not at the next pass.
    epoch: new RedisEpoch(redis, `${config.QUEUE_PREFIX}:epoch:media`),
    run: (scope) => reconcileOwed(ports, orders, timers, scope),
    intervalMs: config.MEDIA_RECONCILE_INTERVAL_SECONDS * 1_000,
    logger,
  });

  const dashboard = queueDashboard([mediaDueQueue], jobs);
  return {
    ports,
    reconcile: (scope) => reconciler.runNow(scope),
    consumers: [consumer],
    background: [reconciler],
    timers,
    bodyLimits,
    api: { info: mediaApiInfo, routes: mediaApi },
    adminPages: [dashboard],
    routes: (app) => {
      mediaRoutes(app, { ports, auth: platform.auth });
    },
    readiness: { s3: () => store.ping() },
    stop: async () => {
      await worker.stop();
      await relay.stop();
      await timers.close();
      s3.destroy();
      if (presigner !== s3) presigner.destroy();
    },
  };
}
