// @ts-check
// Order service benchmark: orders placed and accepted per second with their timers pending,
// adjudication lateness with 0, 10,000 and 100,000 pending deadlines (the service's own reconcile
// interval and outbox sweep running, as deployed), and the service's memory under that load.
// Runs the real service (its built main.js) as a child process against the local stack.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { ephemeralTokenIssuer } = require(path.join(REPO, 'packages/service-kit/dist/index.js'));
const { TimerQueue } = require(path.join(REPO, 'packages/jobs/dist/index.js'));
const { KafkaClient, applyTopics, plannedTopics } = require(path.join(REPO, 'packages/kafka/dist/index.js'));
const { Topics } = require(path.join(REPO, 'packages/contracts/dist/index.js'));
const { Redis } = require('ioredis');
const mongoose = require('mongoose');

/** One token issuer for the run; the services read its public key from `jwksPath`. */
const { issuer: tokenIssuer, jwksPath } = ephemeralTokenIssuer();
const allDay = Object.fromEntries(['0', '1', '2', '3', '4', '5', '6'].map((d) => [d, ['00:00-24:00']]));

export const median = (xs) => percentile(xs, 50);
export function percentile(xs, p) {
  const sorted = [...xs].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function rssMiB(pid) {
  const status = require('node:fs').readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024;
}

async function startService(stack, run) {
  // Topics of its own: the service does not start on topics that do not exist.
  const prefix = `bench-order-${run}.`;
  const kafka = new KafkaClient({ brokers: stack.KAFKA_BROKERS.split(','), clientId: 'bench-order' });
  await applyTopics(
    kafka,
    plannedTopics({
      defaults: { partitions: 6, replicationFactor: 1 },
      deadLetter: { partitions: 1 },
      topics: [
        ...[Topics.storefrontOrders, Topics.orderEvents].map((t) => ({ name: `${prefix}${t}`, consumedBy: ['order'] })),
        { name: `${prefix}${Topics.storefrontReplies}` },
      ],
    }),
  );
  const port = 4600 + Math.floor(Math.random() * 300);
  const env = {
    ...process.env,
    ...stack,
    HTTP_PORT: String(port),
    MONGO_DB: `bench_order_${run}`,
    JWT_JWKS: jwksPath,
    LOG_LEVEL: 'warn',
    QUEUE_PREFIX: `bench-${run}`,
    KAFKA_TOPIC_PREFIX: prefix,
  };
  const child = spawn(process.execPath, [path.join(REPO, 'services/order/dist/main.js')], {
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i += 1) {
    try {
      if ((await fetch(`${base}/readyz`)).ok) return { child, base, env };
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('order service did not become ready');
}

async function call(base, method, url, token, body) {
  const res = await fetch(`${base}${url}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body && JSON.stringify(body),
  });
  const json = /** @type {any} */ (await res.json());
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** Runs `total` tasks with `concurrency` in flight; returns the wall time in ms. */
async function pool(total, concurrency, task) {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) await task(next++);
    }),
  );
  return performance.now() - started;
}

const orderBody = {
  merchantId: 'm-b',
  storeId: 's-b',
  currency: 'CNY',
  lines: [{ productId: 'p-1', quantity: 1, unitPrice: 1000 }],
  delivery: { line: '1 Bench Road', region: 'bench', contactName: 'B', contactPhone: '+86 1' },
};

/**
 * `backlogs`: the pending deadlines lateness is measured with, in rising order (each adds to the
 * last); `probes` orders per backlog, placed one every `probeEveryMs` so that their deadlines fall
 * due over half a minute or more, across the service's background passes.
 */
export async function benchOrder(
  stack,
  { orders = 2000, concurrency = 32, backlogs = [0, 10_000, 100_000], probes = 300, probeEveryMs = 100 } = {},
) {
  const run = randomUUID().slice(0, 8);
  const { child, base, env } = await startService(stack, run);
  const admin = tokenIssuer.sign({ subject: 'bench', role: 'admin' });
  const customer = tokenIssuer.sign({ subject: 'c-bench', role: 'customer' });
  const merchant = tokenIssuer.sign({ subject: 'clerk', role: 'merchant', tenant: 'm-b' });
  await call(base, 'PUT', '/v1/stores/s-b', admin, {
    merchantId: 'm-b',
    name: 'Bench',
    timeZone: 'UTC',
    hours: allDay,
    responseWindowSeconds: 3600,
    products: [{ productId: 'p-1', name: 'One', price: 1000, available: true }],
  });
  await call(base, 'PUT', '/v1/terminals/rider-b', admin, { regions: ['bench'] });
  const result = {
    machine: `${require('node:os').cpus().length} cores, ${Math.round(require('node:os').totalmem() / 2 ** 30)} GiB`,
    rssIdleMiB: rssMiB(child.pid),
  };

  // 1. Throughput: place and accept, each order's countdown pending until it is answered.
  const ids = [];
  const placeMs = await pool(orders, concurrency, async (i) => {
    ids[i] = (await call(base, 'POST', '/v1/orders', customer, orderBody)).order.orderId;
  });
  const acceptMs = await pool(orders, concurrency, async (i) => {
    await call(base, 'POST', `/v1/orders/${ids[i]}/accept`, merchant, {});
  });
  result.placedPerSecond = Math.round(orders / (placeMs / 1000));
  result.acceptedPerSecond = Math.round(orders / (acceptMs / 1000));
  result.placeAndAcceptPerSecond = Math.round(orders / ((placeMs + acceptMs) / 1000));
  result.rssAfterThroughputMiB = rssMiB(child.pid);

  // 2. Lateness at each backlog: seed far-off orders and their timers directly, then place probe
  //    orders one by one, their deadlines falling due over the next half minute, and measure when
  //    each was ruled. The service runs its reconciler and outbox relay at their defaults.
  const connection = await mongoose.createConnection(stack.MONGO_URL, { dbName: env.MONGO_DB }).asPromise();
  const redis = new Redis(stack.REDIS_URL, { maxRetriesPerRequest: null });
  const timers = new TimerQueue('order-response-deadline', { connection: redis, prefix: env.QUEUE_PREFIX });
  const orders$ = /** @type {import('mongoose').mongo.Collection<any>} */ (connection.db.collection('orders'));
  const far = new Date(Date.now() + 3 * 3600_000);
  await call(base, 'PUT', '/v1/stores/s-p', admin, {
    merchantId: 'm-b',
    name: 'Probe',
    timeZone: 'UTC',
    hours: allDay,
    responseWindowSeconds: 20,
    products: [{ productId: 'p-1', name: 'One', price: 1000, available: true }],
  });
  result.latenessAt = [];
  let seeded = 0;
  for (const backlog of probes > 0 ? backlogs : []) {
    const seedStarted = performance.now();
    while (seeded < backlog) {
      const docs = Array.from({ length: Math.min(1000, backlog - seeded) }, (_, i) => ({
        _id: `bench_pending_${run}_${seeded + i}`,
        version: 1,
        status: 'new',
        merchantId: 'm-b',
        storeId: 's-b',
        customerId: 'c-bench',
        locale: 'en',
        currency: 'CNY',
        total: 1000,
        lines: orderBody.lines,
        delivery: orderBody.delivery,
        placedAt: new Date(),
        responseDeadline: far,
        declinedBy: [],
        history: [],
      }));
      await orders$.insertMany(docs, { ordered: false });
      await Promise.all(docs.map((d) => timers.scheduleAt(`response-deadline.${d._id}`, far, { orderId: d._id })));
      seeded += docs.length;
    }
    const seedSeconds = Math.round((performance.now() - seedStarted) / 100) / 10;
    const probeIds = [];
    for (let i = 0; i < probes; i += 1) {
      probeIds.push((await call(base, 'POST', '/v1/orders', customer, { ...orderBody, storeId: 's-p' })).order.orderId);
      await new Promise((r) => setTimeout(r, probeEveryMs));
    }
    // Read by id alone: a filter with another field beside `_id` is a scan on the local server, which
    // would hold the service's writes every half second and measure the benchmark, not the service.
    for (const givingUp = Date.now() + 300_000; ;) {
      const probed = await orders$.find({ _id: { $in: probeIds } }, { projection: { status: 1 } }).toArray();
      if (probed.every((o) => o.status !== 'new')) break;
      if (Date.now() > givingUp)
        throw new Error(
          `probes not ruled 5 minutes after their deadlines: ${probed.filter((o) => o.status === 'new').length} of ${probes}`,
        );
      await new Promise((r) => setTimeout(r, 500));
    }
    const settled = await orders$
      .find({ _id: { $in: probeIds } }, { projection: { responseDeadline: 1, history: 1 } })
      .toArray();
    const lateness = settled.map(
      (o) => o.history.find((h) => h.action === 'adjudicate').at.getTime() - o.responseDeadline.getTime(),
    );
    const figures = {
      pending: await timers.pending(),
      seedSeconds,
      probes: lateness.length,
      p50Ms: percentile(lateness, 50),
      p99Ms: percentile(lateness, 99),
      maxMs: Math.max(...lateness),
    };
    result.latenessAt.push(figures);
    process.stdout.write(`  lateness with ${backlog} pending: ${JSON.stringify(figures)}\n`);
  }
  const last = result.latenessAt.at(-1);
  if (last) {
    result.pendingTimers = last.pending;
    result.lateness = { probes: last.probes, p50Ms: last.p50Ms, p99Ms: last.p99Ms, maxMs: last.maxMs };
  }
  result.rssWithPendingMiB = rssMiB(child.pid);

  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  await timers.close();
  redis.disconnect();
  await connection.dropDatabase();
  await connection.close();
  return result;
}
