import { Redis } from 'ioredis';
import mongoose from 'mongoose';

/**
 * Opens the service's own MongoDB database. Only what both MongoDB and the local
 * wire-compatible server support is used: single-document atomic writes, no transactions.
 * Server selection gives up after `serverSelectionTimeoutMS` (2 s): while MongoDB is
 * unreachable a request fails fast with 503 and `Retry-After`, rather than hanging, and a
 * consumer holds its partition (both from `failureKind`'s `MongoServerSelectionError`).
 */
export async function connectMongo(url: string, dbName: string, serverSelectionTimeoutMS = 2_000): Promise<mongoose.Connection> {
  const connection = mongoose.createConnection(url, {
    dbName,
    serverSelectionTimeoutMS,
    autoIndex: false,
  });
  await connection.asPromise();
  return connection;
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

export async function pingRedis(redis: Redis): Promise<void> {
  const reply = await redis.ping();
  if (reply !== 'PONG') throw new Error(`redis answered ${String(reply)}`);
}
