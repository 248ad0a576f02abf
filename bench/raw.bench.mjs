// @ts-check
// The machine's raw limits, measured in the same run as the system figures so that each system
// figure can be given as a ratio to what the same broker, Redis and MongoDB-compatible server do
// with nothing of ours in the way:
//  - Kafka: produce → consume round trip of small messages with kafkajs (the client the services
//    use, with the same producer settings: idempotent, acks=all, one request in flight);
//  - BullMQ: lateness of delayed jobs on the same Redis, with the same number of jobs pending;
//  - MongoDB: conditional single-document updates `updateOne({ _id, version }, { $inc })` per second.
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { percentile } from './order.bench.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const fromPackage = (name, pkg) => require(require.resolve(name, { paths: [path.join(REPO, pkg)] }));
const { Kafka, logLevel } = fromPackage('kafkajs', 'packages/kafka');
const { Queue, Worker } = fromPackage('bullmq', 'packages/jobs');
const { Redis } = fromPackage('ioredis', 'packages/jobs');
const mongoose = require('mongoose');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const round = (x) => Math.round(x * 10) / 10;
const stats = (xs) => ({
  count: xs.length,
  p50Ms: round(percentile(xs, 50)),
  p95Ms: round(percentile(xs, 95)),
  p99Ms: round(percentile(xs, 99)),
  maxMs: round(Math.max(...xs)),
});

/**
 * Kafka round trip: a paced run for latency (one message per send, as an outbox relay sends a
 * change), then a flood for throughput (batches of `batch`, the best the client does).
 */
export async function rawKafka(stack, { rate = 200, seconds = 5, flood = 20_000, batch = 100, partitions = 6 } = {}) {
  const run = randomUUID().slice(0, 8);
  const kafka = new Kafka({
    clientId: 'bench-raw',
    brokers: stack.KAFKA_BROKERS.split(','),
    logLevel: logLevel.NOTHING,
  });
  const topic = `bench-raw-${run}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
    waitForLeaders: true,
  });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const consumer = kafka.consumer({ groupId: `bench-raw-${run}` });
  const arrived = new Map();
  await Promise.all([producer.connect(), consumer.connect()]);
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    partitionsConsumedConcurrently: 3,
    eachMessage: async ({ message }) => {
      arrived.set(message.key.toString(), performance.now());
    },
  });
  // Until the group has its partitions, a message sent now would wait for the rebalance.
  await producer.send({ topic, acks: -1, messages: [{ key: 'warm', value: 'x' }] });
  while (!arrived.has('warm')) await sleep(20);
  const body = JSON.stringify({ orderId: 'ord_0123456789abcdefghij', status: 'accepted', version: 3 });

  const sent = new Map();
  const started = performance.now();
  const sends = [];
  for (let i = 0; i < rate * seconds; i += 1) {
    const wait = started + (i * 1000) / rate - performance.now();
    if (wait > 1) await sleep(wait);
    const key = `l${i}`;
    sent.set(key, performance.now());
    sends.push(producer.send({ topic, acks: -1, messages: [{ key, value: body }] }));
  }
  await Promise.all(sends);
  const until = performance.now() + 30_000;
  while ([...sent.keys()].some((k) => !arrived.has(k)) && performance.now() < until) await sleep(20);
  const latency = { rate, ...stats([...sent].filter(([k]) => arrived.has(k)).map(([k, at]) => arrived.get(k) - at)) };

  const floodStarted = performance.now();
  for (let i = 0; i < flood; i += batch) {
    await producer.send({
      topic,
      acks: -1,
      messages: Array.from({ length: Math.min(batch, flood - i) }, (_, j) => ({ key: `f${i + j}`, value: body })),
    });
  }
  const last = `f${flood - 1}`;
  const floodUntil = performance.now() + 120_000;
  while (performance.now() < floodUntil) {
    let done = 0;
    for (let i = 0; i < flood; i += 1) if (arrived.has(`f${i}`)) done += 1;
    if (done === flood) break;
    await sleep(50);
  }
  const floodMs =
    (arrived.get(last)
      ? Math.max(...Array.from({ length: flood }, (_, i) => arrived.get(`f${i}`) ?? 0))
      : performance.now()) - floodStarted;
  const throughput = { messages: flood, batch, messagesPerSecond: Math.round(flood / (floodMs / 1000)) };

  await Promise.all([producer.disconnect(), consumer.disconnect()]);
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
  return { latency, throughput };
}

/**
 * BullMQ alone: `pending` far-off delayed jobs, then `probes` jobs due over `spreadSeconds`; each
 * probe's lateness is when its processor ran minus when it was due.
 */
export async function rawBullmq(
  stack,
  { pending = 100_000, probes = 1000, spreadSeconds = 20, concurrency = 16 } = {},
) {
  const run = randomUUID().slice(0, 8);
  const connection = new Redis(stack.REDIS_URL, { maxRetriesPerRequest: null });
  const prefix = `bench-raw-${run}`;
  const queue = new Queue('raw', { connection, prefix });
  const far = 3 * 3600_000;
  const seedStarted = performance.now();
  for (let i = 0; i < pending; i += 1000) {
    await queue.addBulk(
      Array.from({ length: Math.min(1000, pending - i) }, (_, j) => ({
        name: 'raw',
        data: { n: i + j },
        opts: { jobId: `far.${i + j}`, delay: far, removeOnComplete: true },
      })),
    );
  }
  const seedSeconds = round((performance.now() - seedStarted) / 1000);
  const lateness = [];
  const workerConnection = connection.duplicate();
  const worker = new Worker(
    'raw',
    async (job) => {
      if (job.data.due) lateness.push(Date.now() - job.data.due);
    },
    { connection: workerConnection, prefix, concurrency },
  );
  await worker.waitUntilReady();
  const start = Date.now() + 3_000;
  for (let i = 0; i < probes; i += 100) {
    await queue.addBulk(
      Array.from({ length: Math.min(100, probes - i) }, (_, j) => {
        const due = start + Math.round(((i + j) * spreadSeconds * 1000) / probes);
        return {
          name: 'raw',
          data: { due },
          opts: { jobId: `probe.${i + j}`, delay: due - Date.now(), removeOnComplete: true },
        };
      }),
    );
  }
  const until = Date.now() + spreadSeconds * 1000 + 60_000;
  while (lateness.length < probes && Date.now() < until) await sleep(200);
  const pendingAtEnd = await queue.getDelayedCount();
  await worker.close();
  await queue.obliterate({ force: true }).catch(() => undefined);
  await queue.close();
  workerConnection.disconnect();
  connection.disconnect();
  return { pending: pendingAtEnd, seedSeconds, ...stats(lateness) };
}

/** Conditional single-document updates per second: `concurrency` writers, each bumping its own document's version. */
export async function rawMongo(stack, { seconds = 5, concurrency = 32 } = {}) {
  const run = randomUUID().slice(0, 8);
  const connection = await mongoose.createConnection(stack.MONGO_URL, { dbName: `bench_raw_${run}` }).asPromise();
  const docs = /** @type {import('mongoose').mongo.Collection<any>} */ (connection.db.collection('docs'));
  await docs.insertMany(
    Array.from({ length: concurrency }, (_, i) => ({ _id: `d${i}`, version: 0, status: 'new', n: 0 })),
  );
  let updates = 0;
  let conflicts = 0;
  const latencies = [];
  const started = performance.now();
  const end = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, i) => {
      let version = 0;
      while (performance.now() < end) {
        const t = performance.now();
        const result = await docs.updateOne(
          { _id: `d${i}`, version },
          { $inc: { version: 1, n: 1 }, $set: { status: 'accepted' } },
        );
        latencies.push(performance.now() - t);
        if (result.modifiedCount === 1) {
          updates += 1;
          version += 1;
        } else conflicts += 1;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  await connection.dropDatabase();
  await connection.close();
  return { concurrency, updatesPerSecond: Math.round(updates / elapsed), conflicts, ...stats(latencies) };
}

export async function benchRaw(stack, options = {}) {
  const kafka = await rawKafka(stack, options.kafka);
  process.stdout.write(`raw kafka: ${JSON.stringify(kafka)}\n`);
  const mongo = await rawMongo(stack, options.mongo);
  process.stdout.write(`raw mongo: ${JSON.stringify(mongo)}\n`);
  const bullmq = await rawBullmq(stack, options.bullmq);
  process.stdout.write(`raw bullmq: ${JSON.stringify(bullmq)}\n`);
  return { kafka, mongo, bullmq };
}
