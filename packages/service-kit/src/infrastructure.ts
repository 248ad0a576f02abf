import { Redis } from 'ioredis';
import mongoose from 'mongoose';

/**
 * Opens the service's own MongoDB database. Only what both MongoDB and the local
 * wire-compatible server support is used: single-document atomic writes, no transactions.
 * Server selection gives up after `serverSelectionTimeoutMS` (2 s): while MongoDB is
 * unreachable a request fails fast with 503 and `Retry-After`, rather than hanging, and a
 * consumer holds its partition (both from `failureKind`'s `MongoServerSelectionError`).
 */
/** The driver's `connectTimeoutMS` for every service connection, in ms. */
export const MONGO_CONNECT_TIMEOUT_MS = 10_000;

export async function connectMongo(
  url: string,
  dbName: string,
  serverSelectionTimeoutMS = 2_000,
  monitorCommands = false,
): Promise<mongoose.Connection> {
  const connection = mongoose.createConnection(url, {
    dbName,
    serverSelectionTimeoutMS,
    // Bounds a server check (connect, then `hello` on a monitoring socket that times out alike), so a
    // healthy one ends within 2 × 10 s and `watchMongoMonitor` can tell a hung one sooner.
    connectTimeoutMS: MONGO_CONNECT_TIMEOUT_MS,
    autoIndex: false,
    // Command monitoring feeds `mongodb_client_commands_total` (see `trackMongoCommands`).
    monitorCommands,
  });
  await connection.asPromise();
  return connection;
}

/**
 * True for MongoDB's duplicate-key error (code 11000): a unique index, `_id` or another, already
 * holds the key (MongoDB's error codes; the local server sends the same code). An insert whose key is
 * derived from what it records takes it as "already done"; a conditional insert, as a lost race.
 */
export function isDuplicateKey(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000;
}

export async function pingMongo(connection: mongoose.Connection): Promise<void> {
  const db = connection.db;
  if (!db) throw new Error('mongo not connected');
  await db.command({ ping: 1 });
}

/** A Redis connection fit for BullMQ (no per-command retry limit, so blocking commands wait). */
export function connectRedis(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false });
}

/** Resolves when the connection is ready, or after `withinMs` whatever its state. */
export function redisReady(redis: Redis, withinMs: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      redis.off('ready', done);
      resolve();
    };
    const timer = setTimeout(done, withinMs);
    redis.once('ready', done);
  });
}

export async function pingRedis(redis: Redis): Promise<void> {
  const reply = await redis.ping();
  if (reply !== 'PONG') throw new Error(`redis answered ${String(reply)}`);
}

/**
 * Watches the MongoDB driver's own server monitor through its public SDAM events
 * (`serverHeartbeatStarted` / `…Succeeded` / `…Failed`, MongoDB's Server Monitoring spec): a
 * healthy monitor ends every check within twice `connectTimeoutMS` (connect, then `hello` on a
 * socket with the same timeout: 20 s with `connectMongo`'s 10 s), failed or not. One still open
 * after `stuckAfterMs` (30 s unless given) never will — seen with driver 6.20 when the server went
 * away mid-check: the check waits on a closed connection, the server stays `Unknown`, and every
 * operation fails server selection for good while MongoDB is back and answering. `onStuck` is
 * told once (the service then fails liveness and exits, to be started again); `stop()` ends the watch.
 */
export function watchMongoMonitor(
  connection: mongoose.Connection,
  onStuck: (openForMs: number) => void,
  options: { stuckAfterMs?: number; everyMs?: number } = {},
): { stop: () => void } {
  const stuckAfterMs = options.stuckAfterMs ?? 30_000;
  const client = connection.getClient();
  let openSince: number | undefined;
  let told = false;
  const started = () => (openSince = Date.now());
  const ended = () => (openSince = undefined);
  client.on('serverHeartbeatStarted', started);
  client.on('serverHeartbeatSucceeded', ended);
  client.on('serverHeartbeatFailed', ended);
  const timer = setInterval(() => {
    const openForMs = openSince === undefined ? 0 : Date.now() - openSince;
    if (told || openForMs < stuckAfterMs) return;
    told = true;
    onStuck(openForMs);
  }, options.everyMs ?? 5_000);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      client.off('serverHeartbeatStarted', started);
      client.off('serverHeartbeatSucceeded', ended);
      client.off('serverHeartbeatFailed', ended);
    },
  };
}
