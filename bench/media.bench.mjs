// @ts-check
// Media service benchmark: synthesized images per second and their event-to-attached latency,
// and how long verifying a 5 MB photo takes (confirm → verified, re-encoded, stored, attached).
// Runs the real service (its built main.js) as a child process against the local stack; the
// phone's side is plain HTTP against the presigned URL.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { median, percentile } from './order.bench.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { ephemeralTokenIssuer } = require(path.join(REPO, 'packages/service-kit/dist/index.js'));
const { KafkaClient, EventProducer, EventConsumer, on, applyTopics, plannedTopics } = require(
  path.join(REPO, 'packages/kafka/dist/index.js'),
);
const { newEvent, OrderPlaced, OrderStatusChanged, MediaAttached, exampleSnapshot, Topics } = require(
  path.join(REPO, 'packages/contracts/dist/index.js'),
);
const sharp = require(require.resolve('sharp', { paths: [path.join(REPO, 'services/media')] }));

/** One token issuer for the run; the services read its public key from `jwksPath`. */
const { issuer: tokenIssuer, jwksPath } = ephemeralTokenIssuer();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const round = (x) => Math.round(x * 10) / 10;

function rssMiB(pid) {
  const status = require('node:fs').readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024;
}

async function startService(stack, run, prefix) {
  const port = 4990 + Math.floor(Math.random() * 9);
  const env = {
    ...process.env,
    ...stack,
    HTTP_PORT: String(port),
    MONGO_DB: `bench_media_${run}`,
    JWT_JWKS: jwksPath,
    LOG_LEVEL: 'warn',
    QUEUE_PREFIX: `bench-m-${run}`,
    KAFKA_TOPIC_PREFIX: prefix,
    MEDIA_KEY_PREFIX: `bench-${run}/`,
    S3_FORCE_PATH_STYLE: 'true',
    MEDIA_RECONCILE_INTERVAL_SECONDS: '3600',
  };
  const child = spawn(process.execPath, [path.join(REPO, 'services/media/dist/main.js')], {
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
  throw new Error('media service did not become ready');
}

/** A camera-like JPEG of about `bytes`: noise does not compress, so the size holds. */
async function photoOf(bytes) {
  const width = 2400;
  const height = 1800;
  const raw = Buffer.alloc(width * height * 3);
  for (let i = 0; i < raw.length; i += 1) raw[i] = (Math.random() * 256) | 0;
  let lo = 40;
  let hi = 100;
  let best;
  while (lo <= hi) {
    const quality = (lo + hi) >> 1;
    const jpeg = await sharp(raw, { raw: { width, height, channels: 3 } })
      .jpeg({ quality })
      .toBuffer();
    if (!best || Math.abs(jpeg.length - bytes) < Math.abs(best.length - bytes)) best = jpeg;
    if (jpeg.length < bytes) lo = quality + 1;
    else hi = quality - 1;
  }
  return best;
}

export async function benchMedia(stack, { images = 300, pacedRate = 10, pacedSeconds = 10, photos = 5 } = {}) {
  const run = randomUUID().slice(0, 8);
  const prefix = `bench-media-${run}.`;
  const kafka = new KafkaClient({ brokers: stack.KAFKA_BROKERS.split(','), clientId: 'media-bench' });
  await applyTopics(
    kafka,
    plannedTopics({
      defaults: { partitions: 6, replicationFactor: 1 },
      deadLetter: { partitions: 1 },
      topics: [
        { name: `${prefix}${Topics.orderEvents}`, consumedBy: ['media'] },
        { name: `${prefix}${Topics.mediaEvents}`, consumedBy: ['bench'] },
      ],
    }),
  );
  const producer = new EventProducer(kafka);
  await producer.connect();
  const attached = new Map();
  const consumer = new EventConsumer(kafka, {
    groupId: `${prefix}bench`,
    topics: [`${prefix}${Topics.mediaEvents}`],
    handlers: [
      on(
        MediaAttached,
        async (event) =>
          void (
            attached.has(`${event.data.orderId}/${event.data.status}`) ||
            attached.set(`${event.data.orderId}/${event.data.status}`, performance.now())
          ),
      ),
    ],
  });
  await consumer.start();
  const { child, base } = await startService(stack, run, prefix);
  const topic = `${prefix}${Topics.orderEvents}`;
  const publish = (definition, data) =>
    producer.publish([
      { topic, event: newEvent(definition, { source: 'orderpulse/order', subject: data.orderId, data }) },
    ]);
  const order = (status = 'new') => ({
    ...exampleSnapshot,
    orderId: `ord_${randomUUID().replaceAll('-', '').slice(0, 20)}`,
    merchantId: 'm-bench',
    storeName: 'Bench Noodles',
    status,
    locale: Math.random() < 0.5 ? 'en' : 'zh-CN',
  });
  const waitAll = async (keys, timeoutMs) => {
    const deadline = Date.now() + timeoutMs;
    while (keys.some((k) => !attached.has(k))) {
      if (Date.now() > deadline)
        throw new Error(`only ${keys.filter((k) => attached.has(k)).length}/${keys.length} images attached in time`);
      await sleep(20);
    }
  };
  try {
    const result = { rssIdleMiB: Math.round(rssMiB(child.pid)) };

    // Burst: every order.placed at once; throughput from the first publish to the last image.
    const sent = new Map();
    const started = performance.now();
    await Promise.all(
      Array.from({ length: images }, async () => {
        const o = order();
        sent.set(`${o.orderId}/new`, performance.now());
        await publish(OrderPlaced, o);
      }),
    );
    await waitAll([...sent.keys()], 300_000);
    const lastAt = Math.max(...[...sent.keys()].map((k) => attached.get(k)));
    const burstLatencies = [...sent].map(([k, at]) => attached.get(k) - at);
    result.synthesis = {
      images,
      imagesPerSecond: round(images / ((lastAt - started) / 1000)),
      burstP50Ms: Math.round(median(burstLatencies)),
      burstP95Ms: Math.round(percentile(burstLatencies, 95)),
      rssAfterMiB: Math.round(rssMiB(child.pid)),
    };

    // Paced: below capacity, the latency of one image from its order event to its media event.
    const paced = new Map();
    const pacedStart = performance.now();
    for (let i = 0; i < pacedRate * pacedSeconds; i += 1) {
      const wait = pacedStart + (i * 1000) / pacedRate - performance.now();
      if (wait > 1) await sleep(wait);
      const o = order();
      paced.set(`${o.orderId}/new`, performance.now());
      await publish(OrderPlaced, o);
    }
    await waitAll([...paced.keys()], 120_000);
    const pacedLatencies = [...paced].map(([k, at]) => attached.get(k) - at);
    Object.assign(result.synthesis, {
      pacedRate,
      pacedP50Ms: Math.round(median(pacedLatencies)),
      pacedP95Ms: Math.round(percentile(pacedLatencies, 95)),
    });

    // Verification: grant → PUT 5 MB over plain HTTP → confirm; the confirm is the verification.
    const body = await photoOf(5 * 1024 * 1024);
    const meta = await sharp(body).metadata();
    const merchant = tokenIssuer.sign({ subject: 'clerk-bench', role: 'merchant', tenant: 'm-bench' });
    const verifyMs = [];
    for (let i = 0; i < photos; i += 1) {
      const o = order();
      await publish(OrderPlaced, o);
      await publish(OrderStatusChanged, {
        ...o,
        version: o.version + 1,
        status: 'accepted',
        from: 'new',
        by: { role: 'merchant', subject: 'clerk-bench' },
      });
      let grant;
      for (let tries = 0; tries < 400 && !grant; tries += 1) {
        const res = await fetch(`${base}/v1/orders/${o.orderId}/media/accepted/grants`, {
          method: 'POST',
          headers: { authorization: `Bearer ${merchant}`, 'content-type': 'application/json' },
          body: JSON.stringify({ contentType: 'image/jpeg', bytes: body.length }),
        });
        if (res.status === 201) grant = /** @type {any} */ (await res.json());
        else await sleep(25);
      }
      if (!grant) throw new Error('no grant');
      const put = await fetch(grant.upload.url, { method: 'PUT', headers: grant.upload.headers, body });
      if (put.status !== 200) throw new Error(`upload failed: ${put.status}`);
      const t0 = performance.now();
      const confirm = await fetch(`${base}/v1/orders/${o.orderId}/media/accepted/grants/${grant.grantId}/confirm`, {
        method: 'POST',
        headers: { authorization: `Bearer ${merchant}` },
      });
      if (confirm.status !== 201) throw new Error(`confirm failed: ${confirm.status} ${await confirm.text()}`);
      verifyMs.push(performance.now() - t0);
    }
    result.verification = {
      photoBytes: body.length,
      photoSize: `${meta.width}x${meta.height}`,
      runs: photos,
      medianMs: Math.round(median(verifyMs)),
      maxMs: Math.round(Math.max(...verifyMs)),
      rssAfterMiB: Math.round(rssMiB(child.pid)),
    };
    return result;
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await consumer.stop();
    await producer.disconnect();
  }
}
