// @ts-check
// Notification service benchmark: event-to-gateway latency at fixed event rates, and how many
// WebSocket and SSE connections one instance holds and in how much memory.
// Runs the real service (its built main.js) as a child process against the local stack; the
// gateway is an HTTP server in this process that notes when each push arrives.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { median, percentile } from './order.bench.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { ephemeralTokenIssuer } = require(path.join(REPO, 'packages/service-kit/dist/index.js'));
const { KafkaClient, EventProducer, applyTopics, plannedTopics } = require(
  path.join(REPO, 'packages/kafka/dist/index.js'),
);
const { newEvent, OrderPlaced, exampleSnapshot, Topics } = require(path.join(REPO, 'packages/contracts/dist/index.js'));
const { WebSocket } = require(require.resolve('ws', { paths: [path.join(REPO, 'services/notification')] }));

/** One token issuer for the run; the services read its public key from `jwksPath`. */
const { issuer: tokenIssuer, jwksPath } = ephemeralTokenIssuer();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function rssMiB(pid) {
  const status = require('node:fs').readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024;
}

/** CPU time (ms) and write system calls so far of a process: per event, they show what each costs even on a busy machine. */
function usage(pid) {
  const fs = require('node:fs');
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const io = fs.readFileSync(`/proc/${pid}/io`, 'utf8');
  return { cpuMs: ((Number(stat[11]) + Number(stat[12])) * 1000) / 100, writes: Number(/syscw:\s+(\d+)/.exec(io)[1]) };
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

/** A gorush stand-in: answers at once and notes when each order's push arrived. */
export async function startGateway(arrivals) {
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = parsed(Buffer.concat(chunks));
      if (!body) return refuse(res);
      const orderId = body.notifications?.[0]?.data?.orderId;
      if (orderId && !arrivals.has(orderId)) arrivals.set(orderId, performance.now());
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"counts":1,"logs":[],"success":"ok"}');
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise((r) => server.listen(0, '127.0.0.1', () => r(undefined)));
  return { server, url: `http://127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (server.address()).port}` };
}

async function startService(stack, run, gatewayUrl) {
  const port = 4900 + Math.floor(Math.random() * 90);
  const env = {
    ...process.env,
    ...stack,
    HTTP_PORT: String(port),
    MONGO_DB: `bench_notification_${run}`,
    JWT_JWKS: jwksPath,
    LOG_LEVEL: 'warn',
    QUEUE_PREFIX: `bench-n-${run}`,
    KAFKA_TOPIC_PREFIX: `bench-${run}.`,
    PUSH_GATEWAY_URL: gatewayUrl,
    REALTIME_HEARTBEAT_SECONDS: '25',
  };
  const child = spawn(process.execPath, [path.join(REPO, 'services/notification/dist/main.js')], {
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i += 1) {
    try {
      if ((await fetch(`${base}/readyz`)).ok) return { child, base };
    } catch {
      /* not listening yet */
    }
    await sleep(100);
  }
  throw new Error('notification service did not become ready');
}

async function call(base, method, url, token, body) {
  const res = await fetch(`${base}${url}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body && JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
}

/** Publishes order.placed at `rate` per second for `seconds`; returns each push's event-to-gateway latency. */
async function latencyAt(producer, topic, arrivals, rate, seconds) {
  const sent = new Map();
  const total = rate * seconds;
  const started = performance.now();
  for (let i = 0; i < total; i += 1) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const orderId = `ord_${randomUUID().replaceAll('-', '').slice(0, 20)}`;
    const now = Date.now();
    const event = newEvent(OrderPlaced, {
      source: 'bench',
      subject: orderId,
      data: {
        ...exampleSnapshot,
        orderId,
        merchantId: 'm-bench',
        customerId: `c-${i}`,
        countdown: { deadline: new Date(now + 180_000).toISOString(), serverTime: new Date(now).toISOString() },
      },
    });
    sent.set(orderId, performance.now());
    producer.publish([{ topic, event }]).catch((e) => process.stderr.write(`publish failed: ${e.message}\n`));
  }
  const deadline = performance.now() + 60_000;
  while ([...sent.keys()].some((id) => !arrivals.has(id)) && performance.now() < deadline) await sleep(50);
  const latencies = [...sent].filter(([id]) => arrivals.has(id)).map(([id, at]) => arrivals.get(id) - at);
  return {
    rate,
    events: total,
    delivered: latencies.length,
    p50Ms: Math.round(percentile(latencies, 50)),
    p95Ms: Math.round(percentile(latencies, 95)),
    p99Ms: Math.round(percentile(latencies, 99)),
  };
}

/** Opens `count` connections of each kind (half WebSocket, half SSE) and reads the service's memory. */
async function connections(base, pid, count) {
  const before = rssMiB(pid);
  const sockets = [];
  const streams = [];
  const batch = 200;
  for (let i = 0; i < count; i += batch) {
    await Promise.all(
      Array.from({ length: Math.min(batch, count - i) }, async (_, j) => {
        const n = i + j;
        if (n % 2 === 0) {
          const token = tokenIssuer.sign({ subject: `clerk-${n}`, role: 'merchant', tenant: `m-conn-${n}` });
          const ws = new WebSocket(`${base.replace('http', 'ws')}/v1/realtime/ws`, [
            'orderpulse.v1',
            `bearer.${token}`,
          ]);
          await new Promise((resolve, reject) => {
            ws.once('message', resolve);
            ws.once('error', reject);
          });
          sockets.push(ws);
        } else {
          const token = tokenIssuer.sign({ subject: `c-conn-${n}`, role: 'customer' });
          const controller = new AbortController();
          const res = await fetch(`${base}/v1/realtime/events`, {
            headers: { authorization: `Bearer ${token}` },
            signal: controller.signal,
          });
          const reader = res.body.getReader();
          await reader.read();
          streams.push({ controller, reader });
        }
      }),
    );
  }
  await sleep(2_000);
  const metrics = await (await fetch(`${base}/metrics`)).text();
  const open = [...metrics.matchAll(/^realtime_connections\{[^}]*channel="(\w+)"[^}]*\} (\d+)/gm)].reduce(
    (n, m) => n + Number(m[2]),
    0,
  );
  const after = rssMiB(pid);
  for (const ws of sockets) ws.terminate();
  for (const s of streams) s.controller.abort();
  return {
    requested: count,
    open,
    websocket: sockets.length,
    sse: streams.length,
    rssBeforeMiB: Math.round(before),
    rssMiB: Math.round(after),
    perConnectionKiB: Math.round(((after - before) * 1024) / Math.max(1, open)),
  };
}

export async function benchNotification(stack, { rates = [50, 100, 200], seconds = 8, connectionCount = 10_000 } = {}) {
  const run = randomUUID().slice(0, 8);
  const arrivals = new Map();
  const gateway = await startGateway(arrivals);
  const kafka = new KafkaClient({ brokers: stack.KAFKA_BROKERS.split(','), clientId: 'bench' });
  const topic = `bench-${run}.${Topics.orderEvents}`;
  await applyTopics(
    kafka,
    plannedTopics({
      defaults: { partitions: 6, replicationFactor: 1 },
      deadLetter: { partitions: 1 },
      topics: [Topics.orderEvents, Topics.auditEvents, Topics.sharingEvents, Topics.mediaEvents].map((t) => ({
        name: `bench-${run}.${t}`,
        consumedBy: ['notification'],
      })),
    }),
  );
  const { child, base } = await startService(stack, run, gateway.url);
  const producer = new EventProducer(kafka);
  try {
    const admin = tokenIssuer.sign({ subject: 'bench', role: 'admin' });
    await call(base, 'PUT', '/v1/apps/app-bench', admin, { name: 'bench' });
    await call(
      base,
      'PUT',
      '/v1/installations/pad-bench',
      tokenIssuer.sign({ subject: 'clerk', role: 'merchant', tenant: 'm-bench' }),
      { appCode: 'app-bench', platform: 'android', deviceToken: 'bench-device-token' },
    );
    const result = { rssIdleMiB: Math.round(rssMiB(child.pid)) };
    await producer.connect();
    await latencyAt(producer, topic, arrivals, 20, 2); // warm-up
    result.latency = [];
    for (const rate of rates) {
      const before = usage(child.pid);
      const latency = await latencyAt(producer, topic, arrivals, rate, seconds);
      const after = usage(child.pid);
      result.latency.push({
        ...latency,
        cpuMsPerEvent: Math.round(((after.cpuMs - before.cpuMs) / latency.events) * 100) / 100,
        writesPerEvent: Math.round(((after.writes - before.writes) / latency.events) * 10) / 10,
      });
    }
    result.connections = await connections(base, child.pid, connectionCount);
    return result;
  } finally {
    await producer.disconnect();
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    gateway.server.close();
  }
}

export { median };
