import { randomBytes } from 'node:crypto';

import { Topics } from '@orderpulse/contracts';
import { type ReconcileScope, ServiceJobs, type TimerQueue } from '@orderpulse/jobs';
import { kafkaNames } from '@orderpulse/kafka';
import { createS3Client } from '@orderpulse/object-store';
import { outboxRelayOf } from '@orderpulse/outbox';
import { type Platform, type ServiceParts, consumerGroupsOf } from '@orderpulse/service-kit';

import type { MediaConfig } from './config';
import { MediaStore } from './data-access/media-store';
import { OrderMediaRepository } from './data-access/order-media.repository';
import type { MediaDueJob, MediaPorts } from './domain/use-cases/ports';
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
  const { mongo, redis, kafka, producer } = platform;
  if (!mongo?.db || !redis || !kafka || !producer) throw new Error('the media service needs MongoDB, Redis and Kafka');
  const { topic } = kafkaNames(config.KAFKA_TOPIC_PREFIX, 'media');

  const orders = new OrderMediaRepository(mongo.db);
  await orders.createIndexes();
  const relay = outboxRelayOf(platform, orders.store);
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
  const jobs = new ServiceJobs(platform, 'media', config.QUEUE_PREFIX);
  const timers = jobs.queue<MediaDueJob>(mediaDueQueue, (job) => runMediaDue(ports, job), {
    retry: { attempts: 40, backoffMs: 500, maxBackoffMs: 5_000 },
    logContext: (job) => ({ orderId: job.orderId }),
    // Rendering is CPU work: a few at a time per instance keeps the event loop answering HTTP.
    concurrency: 4,
  });

  const store = new MediaStore(s3, config.S3_BUCKET, presigner);
  const ports: MediaPorts = {
    orders,
    objects: store,
    images: new SharpCodec(config.MEDIA_PHOTO_MAX_DIMENSION),
    timers,
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

  const consumer = consumerGroupsOf(
    kafka,
    'media',
    config,
    'orderId',
  )('order-events', Topics.orderEvents, orderEventHandlers(ports));

  relay.start();
  await jobs.start();
  // A media due job that failed its last try is settled by this reconciler's next pass.
  const reconciler = jobs.reconciler({
    name: 'owed images',
    epoch: true,
    run: (scope) => reconcileOwed(ports, orders, timers, scope),
    intervalMs: config.MEDIA_RECONCILE_INTERVAL_SECONDS * 1_000,
  });

  return {
    ports,
    reconcile: (scope) => reconciler.runNow(scope),
    consumers: [consumer],
    background: [reconciler],
    timers,
    bodyLimits,
    api: { info: mediaApiInfo, routes: mediaApi },
    adminPages: [jobs.dashboard()],
    routes: (app) => {
      mediaRoutes(app, { ports, auth: platform.auth });
    },
    readiness: { s3: () => store.ping() },
    stop: async () => {
      await jobs.stop();
      await relay.stop();
      s3.destroy();
      if (presigner !== s3) presigner.destroy();
    },
  };
}
