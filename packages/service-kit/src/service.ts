import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';

import {
  type EventConsumer,
  EventProducer,
  KafkaClient,
  kafkaConnection,
  kafkaNames,
  type SaslMechanism,
} from '@orderpulse/kafka';
import type express from 'express';
import type { Redis } from 'ioredis';
import type mongoose from 'mongoose';
import type { Registry } from 'prom-client';

import { adminConsole } from './admin-console';
import { type AuthSettings, keySetOf, serviceAudience } from './auth';
import { type BodyLimits, createHttpApp, type HttpAppOptions, listen, type ReadinessCheck } from './http-app';
import { connectMongo, connectRedis, pingMongo, pingRedis, redisReady, watchMongoMonitor } from './infrastructure';
import { runUntilSignalled } from './lifecycle';
import { createLogger, type Logger } from './logger';
import { createMetrics } from './metrics';
import { trackConsumerLag, trackKafkaProducer, trackMongoCommands } from './operational-metrics';
import { createRateLimits, type RateLimit } from './rate-limit';

/** The keys of a service's configuration this file wires; each service's schema says which it has. */
export interface PlatformConfig {
  LOG_LEVEL: string;
  HTTP_HOST: string;
  HTTP_PORT: number;
  JWT_JWKS: string;
  JWT_ISSUER: string;
  JWT_AUDIENCE?: string | undefined;
  JWT_CLOCK_TOLERANCE_SECONDS: number;
  RATE_LIMIT_PER_PRINCIPAL: number;
  RATE_LIMIT_PER_ADDRESS: number;
  RATE_LIMIT_WINDOW_SECONDS: number;
  QUEUE_PREFIX?: string;
  KAFKA_BROKERS?: string[];
  KAFKA_CLIENT_ID?: string | undefined;
  KAFKA_SSL?: boolean;
  KAFKA_SSL_CA_FILE?: string | undefined;
  KAFKA_SASL_MECHANISM?: SaslMechanism | undefined;
  KAFKA_SASL_USERNAME?: string | undefined;
  KAFKA_SASL_PASSWORD?: string | undefined;
  /** Prefix of every topic and consumer group name (test runs and tenants of one cluster). */
  KAFKA_TOPIC_PREFIX?: string;
  MONGO_URL?: string;
  MONGO_DB?: string;
  MONGO_MONITOR_COMMANDS?: boolean;
  REDIS_URL?: string;
}

/** What a running service has been given: its connections, logger and metrics. */
export interface Platform {
  name: string;
  logger: Logger;
  metrics: Registry;
  auth: AuthSettings;
  /** The per-client-address rate limit, for entry points outside express (WebSocket upgrades). */
  addressLimit?: RateLimit;
  mongo?: mongoose.Connection;
  redis?: Redis;
  kafka?: KafkaClient;
  producer?: EventProducer;
}

/** Work a service runs beside HTTP once it listens: a reconciler, a relay. `start` must not wait for the work. */
export interface BackgroundTask {
  start(): void;
  stop(): Promise<void>;
}

/** An operator's page (the queue dashboard): served at `basePath` to admins only, closed when the service stops. */
export interface AdminPage {
  basePath: string;
  router: express.Router;
  close(): Promise<void>;
}

/** What a service's own wiring returns: its routes, extra readiness checks, and how to stop its workers. */
export interface ServiceParts {
  routes?: (app: express.Express) => void;
  /** Pages for operators, each mounted behind the admin console's sign-in (`adminConsole`) before `routes`. */
  adminPages?: readonly AdminPage[];
  /** Each body-taking route's limit, from its body's schema (see `HttpAppOptions.bodyLimits`). */
  bodyLimits?: BodyLimits;
  /** The routes as integrators see them, served at `/openapi.json` (see `HttpAppOptions.api`). */
  api?: HttpAppOptions['api'];
  /** Extra checks of what the routes need (never Kafka: the outbox holds events while the broker is away). */
  readiness?: Record<string, ReadinessCheck>;
  /**
   * The service's consumer groups. They join once HTTP listens, beside it, and keep trying while
   * the broker is away; their states are in `/readyz` details, and a consumer that has given
   * up (`failed`) fails `/healthz`. Stopped before `stop` runs.
   */
  consumers?: readonly EventConsumer[];
  /** Started once HTTP listens (reconcilers: never a start-up blocker); stopped before `stop` runs. */
  background?: readonly BackgroundTask[];
  /** Takes HTTP upgrade requests (WebSocket); without it an upgrade is refused. */
  upgrade?: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  /** Ends long-lived responses (streams, sockets) when the service stops, so HTTP can close. */
  closeStreams?: () => Promise<void>;
  /** Stops relays and workers; runs after consumers and background tasks stopped, before the connections close. */
  stop?: () => Promise<void>;
}

/**
 * Starts a service: connects what its config names (MongoDB, Redis; Kafka in the background),
 * hands them to the service's own wiring, serves HTTP with health, readiness and metrics as
 * soon as it can, then joins the consumer groups and starts the background tasks beside it.
 * Readiness is MongoDB, Redis and the service's own checks — not Kafka: with the broker down,
 * requests still change state and the outbox holds their events. On SIGTERM it stops in order:
 * stop accepting requests, stop consumers and background tasks, the workers, close the connections.
 */
export async function startService(
  name: string,
  config: PlatformConfig,
  wire: (platform: Platform) => Promise<ServiceParts>,
): Promise<{ port: number; stop: () => Promise<void> }> {
  const logger = createLogger(name, config.LOG_LEVEL);
  const metrics = createMetrics(name);
  const auth: AuthSettings = {
    keys: keySetOf(config.JWT_JWKS),
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE ?? serviceAudience(name),
    clockToleranceSeconds: config.JWT_CLOCK_TOLERANCE_SECONDS,
  };
  const platform: Platform = { name, logger, metrics, auth };
  const readiness: Record<string, ReadinessCheck> = {};
  let lag: { stop: () => Promise<void> } | undefined;
  let mongoWatch: { stop: () => void } | undefined;
  let mongoStuck = false;
  if (config.MONGO_URL && config.MONGO_DB) {
    const mongo = await connectMongo(config.MONGO_URL, config.MONGO_DB, undefined, config.MONGO_MONITOR_COMMANDS);
    platform.mongo = mongo;
    if (config.MONGO_MONITOR_COMMANDS) trackMongoCommands(metrics, mongo);
    readiness.mongo = () => pingMongo(mongo);
    // A driver whose monitor hangs never reaches MongoDB again: fail liveness and exit, to be started again.
    mongoWatch = watchMongoMonitor(mongo, (openForMs) => {
      mongoStuck = true;
      logger.fatal(
        { openForMs },
        "the MongoDB driver's server check has been open too long and will never end; exiting to be started again",
      );
      setTimeout(() => process.exit(1), 1_000).unref();
    });
  }
  if (config.REDIS_URL) {
    const redis = connectRedis(config.REDIS_URL);
    platform.redis = redis;
    // The rate limits count across instances in Redis; until it is connected each instance counts
    // alone. Give it a moment before listening, never more: Redis away must not stop the start.
    await redisReady(redis, 2_000);
    readiness.redis = () => pingRedis(redis);
    const limits = createRateLimits(
      redis,
      {
        perPrincipal: config.RATE_LIMIT_PER_PRINCIPAL,
        perAddress: config.RATE_LIMIT_PER_ADDRESS,
        windowSeconds: config.RATE_LIMIT_WINDOW_SECONDS,
      },
      `${config.QUEUE_PREFIX ?? 'orderpulse'}:${name}`,
    );
    auth.admit = limits.principal;
    platform.addressLimit = limits.address;
  }
  if (config.KAFKA_BROKERS) {
    const kafka = new KafkaClient(
      kafkaConnection(
        { ...config, KAFKA_BROKERS: config.KAFKA_BROKERS },
        config.KAFKA_CLIENT_ID ?? `orderpulse-${name}`,
      ),
      logger,
    );
    platform.kafka = kafka;
    platform.producer = new EventProducer(kafka);
    trackKafkaProducer(metrics, platform.producer);
    // Not awaited: the broker may be away; every publish connects again if needed.
    platform.producer
      .connect()
      .catch((error: unknown) => logger.warn({ err: error }, 'Kafka is not reachable yet; events wait in the outbox'));
    lag = trackConsumerLag(metrics, kafka, kafkaNames(config.KAFKA_TOPIC_PREFIX, name).ownsGroup, logger);
  }
  const parts = await wire(platform);
  const consumers = parts.consumers ?? [];
  const background = parts.background ?? [];
  const consumerStates = () => Object.fromEntries(consumers.map((c) => [c.groupId, c.status()]));
  const app = createHttpApp({
    logger,
    metrics,
    auth,
    ...(platform.addressLimit ? { addressLimit: platform.addressLimit } : {}),
    readiness: { ...readiness, ...parts.readiness },
    readinessDetails: consumers.length > 0 ? () => ({ consumers: consumerStates() }) : undefined,
    liveness: () => ({
      ok: !mongoStuck && consumers.every((c) => c.status().state !== 'failed'),
      ...(consumers.length > 0 ? { details: { consumers: consumerStates() } } : {}),
    }),
    routes: (app) => {
      for (const page of parts.adminPages ?? []) app.use(page.basePath, adminConsole(auth, page.basePath), page.router);
      parts.routes?.(app);
    },
    ...(parts.bodyLimits ? { bodyLimits: parts.bodyLimits } : {}),
    ...(parts.api ? { api: parts.api } : {}),
  });
  const { server, port } = await listen(app, config.HTTP_HOST, config.HTTP_PORT);
  for (const consumer of consumers) {
    consumer
      .start()
      .catch((error: unknown) => logger.error({ err: error, groupId: consumer.groupId }, 'consumer did not start'));
  }
  for (const task of background) task.start();
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (parts.upgrade) parts.upgrade(req, socket, head);
    else socket.end('HTTP/1.1 426 Upgrade Required\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
  });
  logger.info({ port }, `${name} listening`);
  return {
    port,
    stop: async () => {
      const closed = closeServer(server);
      await parts.closeStreams?.();
      await closed;
      await Promise.all([...consumers.map((c) => c.stop()), ...background.map((t) => t.stop())]);
      await Promise.all((parts.adminPages ?? []).map((page) => page.close()));
      await parts.stop?.();
      await lag?.stop();
      mongoWatch?.stop();
      await platform.producer?.disconnect();
      await platform.mongo?.close();
      platform.redis?.disconnect();
    },
  };
}

/** `startService`, stopped gracefully on SIGTERM/SIGINT: what each service's `main.ts` calls. */
export function runService(
  name: string,
  config: PlatformConfig,
  wire: (platform: Platform) => Promise<ServiceParts>,
): void {
  runUntilSignalled(createLogger(name, config.LOG_LEVEL), () => startService(name, config, wire));
}

/** Stops accepting connections and waits for those open to finish, for at most `graceMs`. */
function closeServer(server: Server, graceMs = 10_000): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}
