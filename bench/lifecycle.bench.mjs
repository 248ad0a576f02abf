// @ts-check
// The whole system on the event path: complete order lifecycles per second through the real order
// and notification services (placed → accepted → assigned → rider took → handed over → delivered,
// with every event, timer and push), and the state-change-to-gateway latency at fractions of that
// peak. Also the idle memory of each of the five services.
// The services run as child processes (their built main.js); the push gateway is a gorush-like HTTP
// server in this process that notes when each push arrives.
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { percentile } from './order.bench.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { ephemeralTokenIssuer } = require(path.join(REPO, 'packages/service-kit/dist/index.js'));
const { KafkaClient, applyTopics, plannedTopics } = require(path.join(REPO, 'packages/kafka/dist/index.js'));
const { Topics } = require(path.join(REPO, 'packages/contracts/dist/index.js'));

/** One token issuer for the run; the services read its public key from `jwksPath`. */
const { issuer: tokenIssuer, jwksPath } = ephemeralTokenIssuer();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const allDay = Object.fromEntries(['0', '1', '2', '3', '4', '5', '6'].map((d) => [d, ['00:00-24:00']]));
const orderBody = {
  merchantId: 'm-l',
  storeId: 's-l',
  currency: 'CNY',
  lines: [{ productId: 'p-1', quantity: 1, unitPrice: 1000 }],
  delivery: { line: '1 Bench Road', region: 'bench', contactName: 'B', contactPhone: '+86 1' },
};
const tokens = {
  admin: tokenIssuer.sign({ subject: 'bench', role: 'admin' }),
  customer: tokenIssuer.sign({ subject: 'c-life', role: 'customer' }),
  merchant: tokenIssuer.sign({ subject: 'clerk', role: 'merchant', tenant: 'm-l' }),
  rider: tokenIssuer.sign({ subject: 'rider-l', role: 'rider' }),
};
const devices = { customer: 'bench-token-customer', merchant: 'bench-token-merchant', rider: 'bench-token-rider' };
/** The pushes one lifecycle makes: [event type, status, device]. */
const lifecyclePushes = [
  ['order.placed', 'new', 'merchant'],
  ['order.placed', 'new', 'customer'],
  ['order.status-changed', 'accepted', 'customer'],
  ['order.assigned', 'accepted', 'rider'],
  ['order.assigned', 'accepted', 'customer'],
  ['order.status-changed', 'rider_took', 'customer'],
  ['order.status-changed', 'picked_up', 'customer'],
  ['order.status-changed', 'picked_up', 'merchant'],
  ['order.status-changed', 'delivered', 'customer'],
  ['order.status-changed', 'delivered', 'merchant'],
];
/** The events one lifecycle puts on Kafka: placed, accepted, assigned, rider took, picked up, delivered. */
export const eventsPerLifecycle = 6;

export function rssMiB(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024;
}

/**
 * Starts a service's built main.js with the stack's endpoints and `env`; resolves once /readyz
 * answers. With BENCH_CPU_PROF set, the process writes a V8 CPU profile there when it exits.
 */
/** Ports handed out in turn from a random start: two instances started together never draw the same one. */
let nextPort = 5000 + Math.floor(Math.random() * 1500);

export async function spawnService(name, stack, env) {
  const port = nextPort++;
  const profile = process.env.BENCH_CPU_PROF
    ? [
        '--cpu-prof',
        `--cpu-prof-dir=${path.resolve(process.env.BENCH_CPU_PROF)}`,
        `--cpu-prof-name=${name}.${Date.now()}.cpuprofile`,
      ]
    : [];
  const child = spawn(process.execPath, [...profile, path.join(REPO, `services/${name}/dist/main.js`)], {
    env: { ...process.env, ...stack, HTTP_PORT: String(port), JWT_JWKS: jwksPath, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i += 1) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${base}/readyz`)).ok) return { child, base, stop: () => stopChild(child) };
    } catch {
      /* not listening yet */
    }
    await sleep(100);
  }
  await stopChild(child);
  throw new Error(`${name} did not become ready`);
}

async function stopChild(child) {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}

async function call(base, method, url, token, body) {
  const res = await fetch(`${base}${url}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body && JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** The JSON of a body, or undefined: a stand-in must answer anything with a 4xx, never throw. */
function parsed(buffer) {
  try {
    return JSON.parse(buffer.toString('utf8'));
  } catch {
    return undefined;
  }
}

function refuse(res) {
  res.writeHead(400, { 'content-type': 'application/problem+json' });
  res.end('{"type":"about:blank","title":"Bad Request","status":400}');
}

/** A gorush stand-in: answers at once; each push is filed under order, event type, status and device token. */
export async function startGateway() {
  const arrivals = new Map();
  const waiters = new Map();
  let pushes = 0;
  /** Pushes that reached a device a second time for the same order, event and status. */
  let repeats = 0;
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      const n = parsed(Buffer.concat(chunks))?.notifications?.[0];
      if (!n) return refuse(res);
      pushes += 1;
      const key = `${n?.data?.orderId}|${n?.data?.eventType}|${n?.data?.status}|${n?.tokens?.[0]}`;
      if (arrivals.has(key)) repeats += 1;
      else {
        arrivals.set(key, at);
        for (const wake of waiters.get(key) ?? []) wake(at);
        waiters.delete(key);
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"counts":1,"logs":[],"success":"ok"}');
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise((r) => server.listen(0, '127.0.0.1', () => r(undefined)));
  return {
    url: `http://127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (server.address()).port}`,
    pushes: () => pushes,
    repeats: () => repeats,
    /** When the push arrived (performance.now()), waiting for it up to `ms`. */
    arrival(orderId, type, status, device, ms = 120_000) {
      const key = `${orderId}|${type}|${status}|${devices[device]}`;
      if (arrivals.has(key)) return Promise.resolve(arrivals.get(key));
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no push ${key} within ${ms} ms`)), ms);
        waiters.set(key, [
          ...(waiters.get(key) ?? []),
          (at) => {
            clearTimeout(timer);
            resolve(at);
          },
        ]);
      });
    },
    close: () => new Promise((r) => server.close(r)),
  };
}

/**
 * One lifecycle, each step as soon as the last allows: returns the state-change-to-gateway
 * latency of each change the bench made (from the HTTP answer that committed it to its
 * customer's push) once every push of the lifecycle has arrived.
 */
async function lifecycle(order, gateway) {
  const latencies = [];
  const change = async (run, type, status) => {
    const result = await run();
    const committed = performance.now();
    const orderId = result.order.orderId;
    latencies.push(gateway.arrival(orderId, type, status, 'customer').then((at) => at - committed));
    return orderId;
  };
  const orderId = await change(
    () => call(order, 'POST', '/v1/orders', tokens.customer, orderBody),
    'order.placed',
    'new',
  );
  await change(
    () => call(order, 'POST', `/v1/orders/${orderId}/accept`, tokens.merchant, {}),
    'order.status-changed',
    'accepted',
  );
  await gateway.arrival(orderId, 'order.assigned', 'accepted', 'rider');
  for (const [step, status] of [
    ['took', 'rider_took'],
    ['handed_over', 'picked_up'],
    ['delivered', 'delivered'],
  ]) {
    await change(
      () => call(order, 'POST', `/v1/deliveries/${orderId}/progress`, tokens.rider, { step }),
      'order.status-changed',
      status,
    );
  }
  await Promise.all(lifecyclePushes.map(([type, status, device]) => gateway.arrival(orderId, type, status, device)));
  return Promise.all(latencies);
}

/** Clock ticks per second of /proc's CPU times (USER_HZ): 100 on Linux unless `getconf CLK_TCK` says otherwise. */
const ticksPerSecond = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** CPU time a process has used so far, user and system, in ms (/proc/<pid>/stat, utime + stime). */
function cpuMsOf(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // from field 3, `state`
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
}

/** The local stack's processes by name (kafka, mongo, redis), from the pid files `stack.mjs up` writes. */
function stackPids() {
  const dir = path.join(process.env.ORDERPULSE_LOCAL_DIR ?? path.join(REPO, '.local'), 'pids');
  return Object.fromEntries(
    ['kafka', 'mongo', 'redis'].flatMap((name) => {
      const file = path.join(dir, `${name}.pid`);
      return fs.existsSync(file) ? [[name, Number(fs.readFileSync(file, 'utf8').trim())]] : [];
    }),
  );
}

/**
 * Starts counting the CPU time of each named group of processes and of this one (`bench`: the
 * load generator and the gateway); `stop(lifecycles)` answers each group's ms per lifecycle, their
 * total, and the lifecycles per second the machine's cores would allow if CPU were all they needed.
 */
function cpuMeter(groups) {
  const read = () => ({
    ...Object.fromEntries(
      Object.entries(groups).map(([name, pids]) => [name, pids.reduce((ms, pid) => ms + cpuMsOf(pid), 0)]),
    ),
    bench: process.cpuUsage().user / 1000 + process.cpuUsage().system / 1000,
  });
  const from = read();
  return (lifecycles) => {
    const to = read();
    const perLifecycle = Object.fromEntries(
      Object.keys(to).map((name) => [name, Math.round(((to[name] - from[name]) / Math.max(1, lifecycles)) * 10) / 10]),
    );
    const total = Math.round(Object.values(perLifecycle).reduce((a, b) => a + b, 0) * 10) / 10;
    return {
      perLifecycleMs: perLifecycle,
      totalMs: total,
      cpuBoundLifecyclesPerSecond: Math.round((os.cpus().length * 1000) / total),
    };
  };
}

const stats = (xs) => ({
  count: xs.length,
  p50Ms: Math.round(percentile(xs, 50)),
  p95Ms: Math.round(percentile(xs, 95)),
  p99Ms: Math.round(percentile(xs, 99)),
  maxMs: Math.round(Math.max(...xs)),
});

/** Lifecycles with `concurrency` in flight for `seconds`: the peak, as lifecycles completed per second. */
async function closedLoop(order, gateway, concurrency, seconds, processes = {}) {
  const bases = [order].flat();
  const cpu = cpuMeter(processes);
  let completed = 0;
  const latencies = [];
  const started = performance.now();
  const end = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      while (performance.now() < end) {
        latencies.push(...(await lifecycle(bases[worker % bases.length], gateway)));
        completed += 1;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  return {
    concurrency,
    lifecycles: completed,
    seconds: Math.round(elapsed * 10) / 10,
    lifecyclesPerSecond: Math.round((completed / elapsed) * 10) / 10,
    ...stats(latencies),
    cpu: cpu(completed),
  };
}

/** Lifecycles started at `rate` per second for `seconds` (open loop): the latency of each state change. */
async function openLoop(order, gateway, rate, seconds) {
  const runs = [];
  const started = performance.now();
  for (let i = 0; i < Math.max(1, Math.round(rate * seconds)); i += 1) {
    const wait = started + (i * 1000) / rate - performance.now();
    if (wait > 1) await sleep(wait);
    runs.push(lifecycle(order, gateway));
  }
  const latencies = (await Promise.all(runs)).flat();
  return {
    rate: Math.round(rate * 10) / 10,
    lifecycles: runs.length,
    stateChangesPerSecond: Math.round(rate * 5 * 10) / 10,
    ...stats(latencies),
  };
}

/**
 * The order and notification services as child processes on their own topics, queues and
 * databases, with a gorush stand-in, a store, a rider terminal and a device for each of the
 * customer, the merchant and the rider: what a lifecycle runs through. `stop` ends it all.
 */
async function lifecycleSystem(stack, label, env = {}, instances = 1) {
  const run = randomUUID().slice(0, 8);
  const prefix = `bench-${label}-${run}.`;
  const kafka = new KafkaClient({ brokers: stack.KAFKA_BROKERS.split(','), clientId: `bench-${label}` });
  await applyTopics(
    kafka,
    plannedTopics({
      defaults: { partitions: 6, replicationFactor: 1 },
      deadLetter: { partitions: 1 },
      topics: [
        { name: `${prefix}${Topics.storefrontOrders}`, consumedBy: ['order'] },
        { name: `${prefix}${Topics.orderEvents}`, consumedBy: ['order', 'notification'] },
        ...[Topics.auditEvents, Topics.sharingEvents, Topics.mediaEvents].map((t) => ({
          name: `${prefix}${t}`,
          consumedBy: ['notification'],
        })),
      ],
    }),
  );
  const gateway = await startGateway();
  const common = { KAFKA_TOPIC_PREFIX: prefix, QUEUE_PREFIX: `bench-${label}-${run}`, ...env };
  // Instances of one service share its database, topics and queues, as replicas of a deployment do.
  const orders = [];
  const notifications = [];
  const stop = async () => {
    await Promise.all([...orders, ...notifications].map((i) => i.stop()));
    await gateway.close();
  };
  try {
    for (let i = 0; i < instances; i += 1) {
      orders.push(
        await spawnService('order', stack, {
          ...common,
          MONGO_DB: `bench_${label}_order_${run}`,
          ORDER_RECONCILE_INTERVAL_SECONDS: '3600',
        }),
      );
      notifications.push(
        await spawnService('notification', stack, {
          ...common,
          MONGO_DB: `bench_${label}_notification_${run}`,
          PUSH_GATEWAY_URL: gateway.url,
        }),
      );
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const [order, notification] = [orders[0], notifications[0]];
  try {
    await call(order.base, 'PUT', '/v1/stores/s-l', tokens.admin, {
      merchantId: 'm-l',
      name: 'Bench',
      timeZone: 'UTC',
      hours: allDay,
      responseWindowSeconds: 3600,
      products: [{ productId: 'p-1', name: 'One', price: 1000, available: true }],
    });
    await call(order.base, 'PUT', '/v1/terminals/rider-l', tokens.admin, { regions: ['bench'] });
    await call(notification.base, 'PUT', '/v1/apps/app-bench', tokens.admin, { name: 'bench' });
    for (const who of ['customer', 'merchant', 'rider']) {
      await call(notification.base, 'PUT', `/v1/installations/pad-${who}`, tokens[who], {
        appCode: 'app-bench',
        platform: 'android',
        deviceToken: devices[who],
      });
    }
    for (const instance of orders) await openLoop(instance.base, gateway, 2, 3); // warm-up: connections, JIT, consumer groups settled
  } catch (error) {
    await stop();
    throw error;
  }
  return { order, notification, orders, notifications, gateway, stop, mongoDb: `bench_${label}_order_${run}` };
}

export async function benchLifecycle(
  stack,
  { concurrency = 24, peakSeconds = 20, loadSeconds = 15, fractions = [0.25, 0.5, 0.75] } = {},
) {
  const { order, notification, gateway, stop } = await lifecycleSystem(stack, 'life');
  try {
    const peak = await closedLoop(order.base, gateway, concurrency, peakSeconds, {
      order: [order.child.pid],
      notification: [notification.child.pid],
      ...Object.fromEntries(Object.entries(stackPids()).map(([name, pid]) => [name, [pid]])),
    });
    process.stdout.write(`lifecycle peak: ${JSON.stringify(peak)}\n`);
    const loads = [];
    for (const fraction of fractions) {
      const load = {
        fraction,
        ...(await openLoop(order.base, gateway, peak.lifecyclesPerSecond * fraction, loadSeconds)),
      };
      process.stdout.write(`lifecycle at ${fraction * 100} % of the peak: ${JSON.stringify(load)}\n`);
      loads.push(load);
    }
    return {
      eventsPerLifecycle,
      pushesPerLifecycle: lifecyclePushes.length,
      peak,
      loads,
      pushes: gateway.pushes(),
      rssAfterMiB: {
        order: Math.round(rssMiB(order.child.pid)),
        notification: Math.round(rssMiB(notification.child.pid)),
      },
    };
  } finally {
    await stop();
  }
}

/**
 * Scale-out: the same closed loop with one, then two instances each of the order and notification
 * services (sharing their databases, topics and queues), and countdowns left to run out across the
 * instances. Reports what the second instance adds, and for the countdowns: how many were ruled
 * exactly once (one `adjudicate` entry in the order's history), the lateness of each ruling, and
 * any push that reached a device twice. On one machine the instances share its cores.
 */
export async function benchScaleOut(
  stack,
  { concurrency = 24, peakSeconds = 20, countdowns = 200, countdownEveryMs = 50, windowSeconds = 5 } = {},
) {
  const mongoose = require(require.resolve('mongoose', { paths: [path.join(REPO, 'packages/service-kit')] }));
  const runs = [];
  for (const instances of [1, 2]) {
    const system = await lifecycleSystem(stack, `scale${instances}`, {}, instances);
    let connection;
    try {
      connection = await mongoose.createConnection(stack.MONGO_URL, { dbName: system.mongoDb }).asPromise();
      const peak = await closedLoop(
        system.orders.map((o) => o.base),
        system.gateway,
        concurrency,
        peakSeconds,
        {
          order: system.orders.map((o) => o.child.pid),
          notification: system.notifications.map((n) => n.child.pid),
          ...Object.fromEntries(Object.entries(stackPids()).map(([name, pid]) => [name, [pid]])),
        },
      );
      // Countdowns placed on every instance in turn and never answered: each must be ruled once, on time.
      await call(system.order.base, 'PUT', '/v1/stores/s-r', tokens.admin, {
        merchantId: 'm-l',
        name: 'Countdown',
        timeZone: 'UTC',
        hours: allDay,
        responseWindowSeconds: windowSeconds,
        products: [{ productId: 'p-1', name: 'One', price: 1000, available: true }],
      });
      const ids = [];
      for (let i = 0; i < countdowns; i += 1) {
        const base = system.orders[i % instances].base;
        ids.push(
          (await call(base, 'POST', '/v1/orders', tokens.customer, { ...orderBody, storeId: 's-r' })).order.orderId,
        );
        await sleep(countdownEveryMs);
      }
      const orders$ = connection.db.collection('orders');
      let ruled = [];
      // Read by id alone: another field beside `_id` is a scan on the local server.
      for (const givingUp = Date.now() + 120_000; ;) {
        ruled = await orders$
          .find({ _id: { $in: ids } }, { projection: { status: 1, responseDeadline: 1, history: 1 } })
          .toArray();
        if (ruled.every((o) => o.status !== 'new')) break;
        if (Date.now() > givingUp)
          throw new Error(
            `${ruled.filter((o) => o.status === 'new').length} of ${countdowns} countdowns not ruled 2 minutes after their deadlines`,
          );
        await sleep(500);
      }
      const rulings = ruled.map((o) => o.history.filter((h) => h.action === 'adjudicate'));
      const lateness = ruled.flatMap((o, i) =>
        rulings[i].slice(0, 1).map((r) => r.at.getTime() - o.responseDeadline.getTime()),
      );
      const run = {
        instances,
        ...peak,
        countdowns: {
          placed: countdowns,
          ruledOnce: rulings.filter((r) => r.length === 1).length,
          ruledTwice: rulings.filter((r) => r.length > 1).length,
          latenessP50Ms: Math.round(percentile(lateness, 50)),
          latenessP99Ms: Math.round(percentile(lateness, 99)),
          latenessMaxMs: Math.round(Math.max(...lateness)),
        },
        pushesTwice: system.gateway.repeats(),
      };
      process.stdout.write(`scale-out, ${instances} instance(s) each: ${JSON.stringify(run)}\n`);
      runs.push(run);
    } finally {
      await connection?.dropDatabase().catch(() => undefined);
      await connection?.close();
      await system.stop();
    }
  }
  const [one, two] = runs;
  return {
    runs,
    secondInstanceAdds:
      one.lifecyclesPerSecond > 0 ? Math.round((two.lifecyclesPerSecond / one.lifecyclesPerSecond - 1) * 100) : null,
  };
}

/** The counters a service's `/metrics` carries for the work it sends out, summed by label. */
async function workCounters(base) {
  const text = await (await fetch(`${base}/metrics`)).text();
  const sums = { mongo: {}, mongoScans: {}, kafkaRequests: {}, kafka: {} };
  const commandOn = (labels) => `${/command="([^"]*)"/.exec(labels)?.[1]} ${/collection="([^"]*)"/.exec(labels)?.[1]}`;
  const into = {
    mongodb_client_commands_total: ['mongo', commandOn],
    mongodb_client_scans_total: [
      'mongoScans',
      (labels) => `${commandOn(labels)} {${/filter="([^"]*)"/.exec(labels)?.[1]}}`,
    ],
    kafka_producer_requests_total: ['kafkaRequests', 'api'],
    kafka_producer_records_total: ['kafka', () => 'records'],
    kafka_producer_record_bytes_total: ['kafka', () => 'bytes'],
  };
  for (const line of text.split('\n')) {
    const m = /^(\w+)\{([^}]*)\} ([\d.e+-]+)$/.exec(line);
    if (!m || !into[m[1]]) continue;
    const [bucket, label] = into[m[1]];
    const key = typeof label === 'function' ? label(m[2]) : (new RegExp(`${label}="([^"]*)"`).exec(m[2])?.[1] ?? '');
    sums[bucket][key] = (sums[bucket][key] ?? 0) + Number(m[3]);
  }
  return sums;
}

/** Calls per command since the Redis server started (`INFO commandstats`), every client's. */
async function redisCommandCalls(redis) {
  const calls = {};
  for (const m of (await redis.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm))
    calls[m[1]] = Number(m[2]);
  return calls;
}

const minus = (a, b) =>
  Object.fromEntries([...new Set([...Object.keys(a), ...Object.keys(b)])].map((k) => [k, (a[k] ?? 0) - (b[k] ?? 0)]));
const total = (xs) => Object.values(xs).reduce((sum, x) => sum + x, 0);

/**
 * The work one complete lifecycle costs, counted rather than timed: MongoDB commands (each service's
 * driver command monitoring), Redis commands (the server's `INFO commandstats`, so BullMQ's own
 * connections count), Kafka producer requests (kafkajs instrumentation) and the records and bytes the
 * brokers acknowledged, and HTTP calls
 * (the lifecycle's 5 API calls, and the pushes the gateway received). The services' background
 * work (outbox sweeps, workers polling, reconcilers) is measured first over `idleSeconds` with
 * nothing to do and taken off the lifecycles' counts pro rata, and reported on its own per second.
 * Nothing else may use the stack's Redis meanwhile.
 */
export async function benchWork(stack, { lifecycles = 40, concurrency = 4, idleSeconds = 10 } = {}) {
  const { Redis } = require(require.resolve('ioredis', { paths: [path.join(REPO, 'packages/service-kit')] }));
  const redis = new Redis(stack.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  const { order, notification, gateway, stop } = await lifecycleSystem(stack, 'work', {
    MONGO_MONITOR_COMMANDS: 'true',
  });
  const snapshot = async () => {
    const [o, n, r] = await Promise.all([
      workCounters(order.base),
      workCounters(notification.base),
      redisCommandCalls(redis),
    ]);
    return { at: performance.now(), services: { order: o, notification: n }, redis: r, pushes: gateway.pushes() };
  };
  try {
    const idleFrom = await snapshot();
    await sleep(idleSeconds * 1000);
    const idleTo = await snapshot();
    const busyFrom = await snapshot();
    let started = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (started < lifecycles) {
          started += 1;
          await lifecycle(order.base, gateway);
        }
      }),
    );
    const busyTo = await snapshot();
    const idleS = (idleTo.at - idleFrom.at) / 1000;
    const busyS = (busyTo.at - busyFrom.at) / 1000;
    /** Per lifecycle, net of the background work the same seconds would have done idle. */
    const perLifecycle = (pick) => {
      const background = minus(pick(idleTo), pick(idleFrom));
      const busy = minus(pick(busyTo), pick(busyFrom));
      const net = Object.fromEntries(
        Object.entries(busy).map(([k, v]) => [
          k,
          Math.max(0, (v - ((background[k] ?? 0) * busyS) / idleS) / lifecycles),
        ]),
      );
      return { total: round(total(net)), top: top(net), backgroundPerSecond: round(total(background) / idleS) };
    };
    const services = ['order', 'notification'];
    const perService = (bucket) =>
      Object.fromEntries(services.map((s) => [s, perLifecycle((snap) => snap.services[s][bucket])]));
    const mongo = perService('mongo');
    const mongoScans = perService('mongoScans');
    const kafkaRequests = perService('kafkaRequests');
    const kafka = perService('kafka');
    const both = (per, key) => (per.order.top[key] ?? 0) + (per.notification.top[key] ?? 0);
    return {
      lifecycles,
      concurrency,
      seconds: round(busyS),
      mongoCommands: { total: round(mongo.order.total + mongo.notification.total), ...mongo },
      mongoScans: { total: round(mongoScans.order.total + mongoScans.notification.total), ...mongoScans },
      redisCommands: perLifecycle((snap) => snap.redis),
      kafkaRequests: { produce: round(both(kafkaRequests, 'Produce')), ...kafkaRequests },
      kafkaRecords: { records: round(both(kafka, 'records')), bytes: Math.round(both(kafka, 'bytes')) },
      httpCalls: { api: 5, pushes: round((busyTo.pushes - busyFrom.pushes) / lifecycles) },
    };
  } finally {
    await stop();
    redis.disconnect();
  }
}

const round = (x) => Math.round(x * 10) / 10;
/** The largest entries, rounded, largest first. */
const top = (counts, n = 16) =>
  Object.fromEntries(
    Object.entries(counts)
      .filter(([, v]) => v >= 0.05)
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => [k, round(v)]),
  );

/** Each service started on its own with nothing to do; its RSS after `settleSeconds`. */
export async function benchIdle(stack, { settleSeconds = 10 } = {}) {
  const run = randomUUID().slice(0, 8);
  const prefix = `bench-idle-${run}.`;
  const common = { KAFKA_TOPIC_PREFIX: prefix, QUEUE_PREFIX: `bench-idle-${run}` };
  const kafka = new KafkaClient({ brokers: stack.KAFKA_BROKERS.split(','), clientId: 'bench-idle' });
  await applyTopics(
    kafka,
    plannedTopics({
      defaults: { partitions: 1, replicationFactor: 1 },
      deadLetter: { partitions: 1 },
      topics: Object.values(Topics).map((t) => ({ name: `${prefix}${t}`, consumedBy: ['idle'] })),
    }),
  );
  const secret = 'bench-shared-secret-of-sufficient-length';
  const services = {
    order: { ORDER_RECONCILE_INTERVAL_SECONDS: '3600' },
    notification: {},
    audit: {
      AUDIT_WEBHOOK_SECRET: secret,
      MIDDLE_OFFICE_URL: 'http://127.0.0.1:9/review',
      MIDDLE_OFFICE_SECRET: secret,
      USER_SYSTEM_URL: 'http://127.0.0.1:9/orders',
      USER_SYSTEM_SECRET: secret,
    },
    sharing: {},
    media: { MEDIA_KEY_PREFIX: `bench-idle-${run}/`, MEDIA_RECONCILE_INTERVAL_SECONDS: '3600' },
  };
  const rss = {};
  for (const [name, env] of Object.entries(services)) {
    const service = await spawnService(name, stack, { ...common, ...env, MONGO_DB: `bench_idle_${name}_${run}` });
    try {
      await sleep(settleSeconds * 1000);
      rss[name] = Math.round(rssMiB(service.child.pid));
    } finally {
      await service.stop();
    }
  }
  return rss;
}
