import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';

import { EventProducer, KafkaClient, pingKafka } from '@orderpulse/kafka';
import type express from 'express';
import type { Redis } from 'ioredis';
import type mongoose from 'mongoose';
import type { Registry } from 'prom-client';

import type { AuthSettings } from './auth';
import { type BodyLimits, createHttpApp, listen, type ReadinessCheck } from './http-app';
import { connectMongo, connectRedis, pingMongo, pingRedis } from './infrastructure';
import { runUntilSignalled } from './lifecycle';
import { createLogger, type Logger } from './logger';
import { createMetrics } from './metrics';

/** The keys of a service's configuration this file wires; each service's schema says which it has. */
export interface PlatformConfig {
  LOG_LEVEL: string;
  HTTP_HOST: string;
  HTTP_PORT: number;
  JWT_SECRET: string;
  JWT_ISSUER: string;
  KAFKA_BROKERS?: string[];
  KAFKA_CLIENT_ID?: string | undefined;
  KAFKA_SSL?: boolean;
  MONGO_URL?: string;
  MONGO_DB?: string;
  REDIS_URL?: string;
}

/** What a running service has been given: its connections, logger and metrics. */
export interface Platform {
  name: string;
  logger: Logger;
  metrics: Registry;
  auth: AuthSettings;
  mongo?: mongoose.Connection;
  redis?: Redis;
  kafka?: KafkaClient;
  producer?: EventProducer;
}

/** What a service's own wiring returns: its routes, extra readiness checks, and how to stop its workers. */
export interface ServiceParts {
  routes?: (app: express.Express) => void;
  /** Each body-taking route's limit, from its body's schema (see `HttpAppOptions.bodyLimits`). */
  bodyLimits?: BodyLimits;
  readiness?: Record<string, ReadinessCheck>;
  /** Takes HTTP upgrade requests (WebSocket); without it an upgrade is refused. */
  upgrade?: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  /** Ends long-lived responses (streams, sockets) when the service stops, so HTTP can close. */
  closeStreams?: () => Promise<void>;
  /** Stops consumers, relays and workers; runs before the connections close. */
  stop?: () => Promise<void>;
}

/**
 * Starts a service: connects what its config names (MongoDB, Redis, Kafka), hands them to
 * the service's own wiring, serves HTTP with health, readiness and metrics, and on SIGTERM
 * stops in order: stop accepting requests, stop the workers, close the connections.
 */
export async function startService(name: string, config: PlatformConfig, wire: (platform: Platform) => Promise<ServiceParts>): Promise<{ port: number; stop: () => Promise<void> }> {
  const logger = createLogger(name, config.LOG_LEVEL);
  const metrics = createMetrics(name);
  const auth = { secret: config.JWT_SECRET, issuer: config.JWT_ISSUER };
  const platform: Platform = { name, logger, metrics, auth };
  const readiness: Record<string, ReadinessCheck> = {};
  if (config.MONGO_URL && config.MONGO_DB) {
    const mongo = await connectMongo(config.MONGO_URL, config.MONGO_DB);
    platform.mongo = mongo;
    readiness.mongo = () => pingMongo(mongo);
  }
  if (config.REDIS_URL) {
    const redis = connectRedis(config.REDIS_URL);
    platform.redis = redis;
    readiness.redis = () => pingRedis(redis);
  }
  if (config.KAFKA_BROKERS) {
    const kafka = new KafkaClient({ brokers: config.KAFKA_BROKERS, clientId: config.KAFKA_CLIENT_ID ?? `orderpulse-${name}`, ssl: config.KAFKA_SSL ?? false }, logger);
    platform.kafka = kafka;
    platform.producer = new EventProducer(kafka);
    await platform.producer.connect();
    readiness.kafka = () => pingKafka(kafka);
  }
  const parts = await wire(platform);
  const app = createHttpApp({ logger, metrics, auth, readiness: { ...readiness, ...parts.readiness }, routes: parts.routes ?? (() => undefined), ...(parts.bodyLimits ? { bodyLimits: parts.bodyLimits } : {}) });
  const { server, port } = await listen(app, config.HTTP_HOST, config.HTTP_PORT);
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
      await parts.stop?.();
      await platform.producer?.disconnect();
      await platform.mongo?.close();
      platform.redis?.disconnect();
    },
  };
}

/** `startService`, stopped gracefully on SIGTERM/SIGINT: what each service's `main.ts` calls. */
export function runService(name: string, config: PlatformConfig, wire: (platform: Platform) => Promise<ServiceParts>): void {
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
