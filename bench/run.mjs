// @ts-check
// `npm run bench`: runs the benchmarks on the local stack (started if needed, stopped if we started it)
// and writes bench/results/latest.json, latest.md and latest.png (latency against load). The machine's
// raw limits (Kafka round trip, BullMQ lateness, conditional MongoDB updates) are measured in the same
// run, and each system figure is printed beside its raw limit as a ratio.
// `npm run bench -- --only=raw,lifecycle` (or work, scale, order, notification, media, idle; comma-separated) runs
// just those and writes bench/results/latest-<names>.*, leaving the full report alone.
// Shorter runs, for development (defaults in brackets):
//   BENCH_PENDING (100000) pending countdowns, for the order service and for BullMQ alone;
//   BENCH_ORDER_RUNS (3); BENCH_CONCURRENCY (24) lifecycles in flight when finding the peak;
//   BENCH_PEAK_SECONDS (20); BENCH_LOAD_SECONDS (15) at each fraction of the peak;
//   BENCH_CONNECTIONS (10000) realtime connections; BENCH_WORK_LIFECYCLES (40) lifecycles counted;
//   BENCH_CPU_PROF=<dir> writes the services' CPU profiles; BENCH_RESULTS_DIR (bench/results) where reports go;
//   BENCH_SKIP_BUILD=1 uses the build as it is.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { lineChartSvg, svgToPng } from './chart.mjs';
import { benchIdle, benchLifecycle, benchScaleOut, benchWork, eventsPerLifecycle } from './lifecycle.bench.mjs';
import { benchMedia } from './media.bench.mjs';
import { benchNotification } from './notification.bench.mjs';
import { benchOrder, median } from './order.bench.mjs';
import { benchRaw } from './raw.bench.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const STACK = path.join(REPO, 'infra', 'local', 'stack.mjs');
const results = path.resolve(process.env.BENCH_RESULTS_DIR ?? path.join(REPO, 'bench', 'results'));

function stackEnv() {
  const file = path.join(process.env.ORDERPULSE_LOCAL_DIR ?? path.join(REPO, '.local'), 'stack.env');
  return Object.fromEntries(
    fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(/=(.*)/s).slice(0, 2)),
  );
}

const only = (process.argv.find((a) => a.startsWith('--only=')) ?? '--only=')
  .slice('--only='.length)
  .split(',')
  .filter(Boolean);
const wants = (name) => only.length === 0 || only.includes(name);
const os = await import('node:os');
const num = (name, fallback) => (process.env[name] ? Number(process.env[name]) : fallback);
const pending = num('BENCH_PENDING', 100_000);
const fmt = (x) => (Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: x >= 100 ? 0 : 1 }) : '—');
const ratio = (system, raw) => {
  if (!Number.isFinite(system) || !Number.isFinite(raw) || raw <= 0) return '—';
  const r = system / raw;
  return r >= 0.1 ? r.toFixed(2) : r.toPrecision(2);
};

const wasUp = spawnSync(process.execPath, [STACK, 'status'], { stdio: 'ignore' }).status === 0;
// BENCH_SKIP_BUILD=1: the caller has just built (the work-budget test, inside npm test).
if (
  !process.env.BENCH_SKIP_BUILD &&
  spawnSync('npx', ['turbo', 'run', 'build', '--output-logs=errors-only'], {
    cwd: REPO,
    stdio: 'inherit',
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' },
  }).status !== 0
)
  process.exit(1);
if (spawnSync(process.execPath, [STACK, 'up'], { stdio: 'inherit' }).status !== 0) process.exit(1);
try {
  const stack = stackEnv();
  const report = {
    at: new Date().toISOString(),
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  };
  let md = `| figure | value |\n|---|---|\n`;
  if (wants('raw')) {
    report.raw = await benchRaw(stack, { bullmq: { pending } });
    const { kafka, mongo, bullmq } = report.raw;
    md +=
      `| raw: kafkajs produce → consume, ${kafka.latency.rate} msg/s one per send: p50 / p95 / p99 | ${kafka.latency.p50Ms} / ${kafka.latency.p95Ms} / ${kafka.latency.p99Ms} ms |\n` +
      `| raw: kafkajs produce → consume, ${fmt(kafka.throughput.messages)} messages in batches of ${kafka.throughput.batch} | ${fmt(kafka.throughput.messagesPerSecond)} msg/s |\n` +
      `| raw: conditional single-document updates, ${mongo.concurrency} writers | ${fmt(mongo.updatesPerSecond)} /s |\n` +
      `| raw: BullMQ delayed-job lateness, ${fmt(bullmq.pending)} pending, ${bullmq.count} probes: p50 / p99 / max | ${bullmq.p50Ms} / ${bullmq.p99Ms} / ${bullmq.maxMs} ms |\n`;
  }
  if (wants('work')) {
    report.work = await benchWork(stack, { lifecycles: num('BENCH_WORK_LIFECYCLES', 40) });
    process.stdout.write(`work: ${JSON.stringify(report.work)}\n`);
    const w = report.work;
    const split = (x) => `order ${x.order.total}, notification ${x.notification.total}`;
    md +=
      `| per lifecycle: MongoDB commands (${split(w.mongoCommands)}) | ${w.mongoCommands.total} |\n` +
      `| per lifecycle: MongoDB commands no unique index answers (a scan on the local server) (${split(w.mongoScans)}) | ${w.mongoScans.total} |\n` +
      `| per lifecycle: Redis commands (every connection's, BullMQ's included) | ${w.redisCommands.total} |\n` +
      `| per lifecycle: Kafka produce requests / records / record bytes | ${w.kafkaRequests.produce} / ${w.kafkaRecords.records} / ${fmt(w.kafkaRecords.bytes)} |\n` +
      `| per lifecycle: HTTP calls (API calls + pushes to the gateway) | ${w.httpCalls.api} + ${w.httpCalls.pushes} |\n` +
      `| background work per second, idle: MongoDB commands (order, notification) / of them scans / Redis commands | ${w.mongoCommands.order.backgroundPerSecond}, ${w.mongoCommands.notification.backgroundPerSecond} / ${w.mongoScans.order.backgroundPerSecond}, ${w.mongoScans.notification.backgroundPerSecond} / ${w.redisCommands.backgroundPerSecond} |\n`;
  }
  if (wants('lifecycle')) {
    report.lifecycle = await benchLifecycle(stack, {
      concurrency: num('BENCH_CONCURRENCY', 24),
      peakSeconds: num('BENCH_PEAK_SECONDS', 20),
      loadSeconds: num('BENCH_LOAD_SECONDS', 15),
    });
    const { peak, loads } = report.lifecycle;
    md +=
      `| complete lifecycles per second (${peak.concurrency} in flight, ${eventsPerLifecycle} events and ${report.lifecycle.pushesPerLifecycle} pushes each) | ${peak.lifecyclesPerSecond} |\n` +
      `| CPU per lifecycle at the peak, ms: ${Object.keys(peak.cpu.perLifecycleMs).join(' / ')} = total | ${Object.values(peak.cpu.perLifecycleMs).join(' / ')} = ${peak.cpu.totalMs} |\n` +
      `| lifecycles per second the ${os.cpus().length} cores allow at that CPU cost | ${peak.cpu.cpuBoundLifecyclesPerSecond} |\n` +
      loads
        .map(
          (l) =>
            `| state change → push at the gateway at ${l.fraction * 100} % of the peak (${l.rate} lifecycles/s, ${l.count} changes): p50 / p95 / p99 | ${l.p50Ms} / ${l.p95Ms} / ${l.p99Ms} ms |\n`,
        )
        .join('');
  }
  if (wants('scale')) {
    report.scale = await benchScaleOut(stack, {
      concurrency: num('BENCH_CONCURRENCY', 24),
      peakSeconds: num('BENCH_PEAK_SECONDS', 20),
    });
    md +=
      report.scale.runs
        .map(
          (r) =>
            `| ${r.instances} instance(s) each of order and notification: lifecycles per second (${r.concurrency} in flight) / countdowns ruled exactly once / twice, of ${r.countdowns.placed} / ruling lateness p50 / p99 / max / pushes that reached a device twice | ${r.lifecyclesPerSecond} / ${r.countdowns.ruledOnce} / ${r.countdowns.ruledTwice} / ${r.countdowns.latenessP50Ms} / ${r.countdowns.latenessP99Ms} / ${r.countdowns.latenessMaxMs} ms / ${r.pushesTwice} |\n`,
        )
        .join('') +
      `| what the second instance adds to lifecycles per second, on the same cores | ${report.scale.secondInstanceAdds} % |\n`;
  }
  if (wants('order')) {
    const runs = [];
    for (let i = 0; i < num('BENCH_ORDER_RUNS', 3); i += 1) {
      // Only the first run carries the pending deadlines; the others measure throughput.
      runs.push(
        await benchOrder(
          stack,
          i === 0 ? { backlogs: [...new Set([0, Math.round(pending / 10), pending])] } : { probes: 0 },
        ),
      );
      process.stdout.write(`order run ${i + 1}: ${JSON.stringify(runs[i])}\n`);
    }
    report.order = {
      placedPerSecond: median(runs.map((r) => r.placedPerSecond)),
      acceptedPerSecond: median(runs.map((r) => r.acceptedPerSecond)),
      placeAndAcceptPerSecond: median(runs.map((r) => r.placeAndAcceptPerSecond)),
      pendingTimers: runs[0].pendingTimers,
      lateness: runs[0].lateness,
      latenessAt: runs[0].latenessAt,
      rssIdleMiB: Math.round(median(runs.map((r) => r.rssIdleMiB))),
      rssAfterThroughputMiB: Math.round(median(runs.map((r) => r.rssAfterThroughputMiB))),
      rssWithPendingMiB: Math.round(runs[0].rssWithPendingMiB),
    };
    const o = report.order;
    md +=
      `| orders placed per second (32 in flight, timers pending; median of 3) | ${o.placedPerSecond} |\n` +
      `| orders accepted per second (median of 3) | ${o.acceptedPerSecond} |\n` +
      `| place + accept cycles per second (median of 3) | ${o.placeAndAcceptPerSecond} |\n` +
      o.latenessAt
        .map(
          (l) =>
            `| adjudication lateness with ${fmt(l.pending)} pending deadlines, ${l.probes} probes placed one every 100 ms: p50 / p99 / max | ${l.p50Ms} / ${l.p99Ms} / ${l.maxMs} ms |\n`,
        )
        .join('') +
      `| order service RSS: idle / after throughput / with the pending deadlines | ${o.rssIdleMiB} / ${o.rssAfterThroughputMiB} / ${o.rssWithPendingMiB} MiB |\n`;
  }
  if (wants('notification')) {
    // One run: each latency row is already a distribution over its events.
    const notification = await benchNotification(stack, { connectionCount: num('BENCH_CONNECTIONS', 10_000) });
    process.stdout.write(`notification: ${JSON.stringify(notification)}\n`);
    report.notification = notification;
    md +=
      notification.latency
        .map(
          (l) =>
            `| order.placed → gateway at ${l.rate} events/s (${l.delivered}/${l.events} pushed): p50 / p95 / p99 | ${l.p50Ms} / ${l.p95Ms} / ${l.p99Ms} ms |\n`,
        )
        .join('') +
      `| realtime connections one notification instance held (${notification.connections.websocket} WebSocket + ${notification.connections.sse} SSE) | ${notification.connections.open} open, RSS ${notification.connections.rssBeforeMiB} → ${notification.connections.rssMiB} MiB (${notification.connections.perConnectionKiB} KiB each) |\n` +
      `| notification service RSS idle | ${notification.rssIdleMiB} MiB |\n`;
  }
  if (wants('media')) {
    // One run: the synthesis rows are distributions over their images, verification a median of five.
    const media = await benchMedia(stack);
    process.stdout.write(`media: ${JSON.stringify(media)}\n`);
    report.media = media;
    const { synthesis: y, verification: v } = media;
    md +=
      `| synthesized images per second (${y.images} order.placed at once → media.attached) | ${y.imagesPerSecond} |\n` +
      `| synthesized image latency, order event → media event: burst p50 / p95; at ${y.pacedRate}/s p50 / p95 | ${y.burstP50Ms} / ${y.burstP95Ms} ms; ${y.pacedP50Ms} / ${y.pacedP95Ms} ms |\n` +
      `| verification of a ${(v.photoBytes / 2 ** 20).toFixed(1)} MB ${v.photoSize} JPEG (confirm → attached; median / max of ${v.runs}) | ${v.medianMs} / ${v.maxMs} ms |\n` +
      `| media service RSS: idle / after synthesis / after verification | ${media.rssIdleMiB} / ${y.rssAfterMiB} / ${v.rssAfterMiB} MiB |\n`;
  }
  if (wants('idle')) {
    report.idleRssMiB = await benchIdle(stack);
    process.stdout.write(`idle: ${JSON.stringify(report.idleRssMiB)}\n`);
    md += `| idle RSS of each service, alone, 10 s after ready | ${Object.entries(report.idleRssMiB)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')} MiB |\n`;
  }
  const name = only.length === 0 ? 'latest' : `latest-${only.join('-')}`;
  const against = againstRawLimits(report);
  fs.mkdirSync(results, { recursive: true });
  fs.writeFileSync(path.join(results, `${name}.json`), `${JSON.stringify(report, null, 2)}\n`);
  fs.writeFileSync(path.join(results, `${name}.md`), `${report.machine}, ${report.at}\n\n${against}\n${md}`);
  if (report.order?.latenessAt?.length) {
    const svg = latenessChart(report);
    fs.writeFileSync(path.join(results, `${name}-lateness.svg`), svg);
    fs.writeFileSync(path.join(results, `${name}-lateness.png`), await svgToPng(svg));
  }
  if (report.lifecycle) {
    const svg = latencyChart(report);
    fs.writeFileSync(path.join(results, `${name}.svg`), svg);
    fs.writeFileSync(path.join(results, `${name}.png`), await svgToPng(svg));
  }
  process.stdout.write(`\n${report.machine}, ${report.at}\n\n${against}\n${md}`);
} finally {
  if (!wasUp) spawnSync(process.execPath, [STACK, 'down'], { stdio: 'inherit' });
}
// A client library may keep a socket open after its last use; the report is written, so end here.
process.exit(0);

/** The system figures beside the raw limits of the same run, and the goals they are held against. */
function againstRawLimits(report) {
  const rows = [];
  const { raw, lifecycle, order, notification, idleRssMiB } = report;
  if (lifecycle) {
    const allowed = raw ? raw.kafka.throughput.messagesPerSecond / eventsPerLifecycle : NaN;
    rows.push(
      `| complete lifecycles per second (placed → delivered, every event, timer and push) | ${lifecycle.peak.lifecyclesPerSecond} | ${fmt(allowed)} (Kafka round trip ${fmt(raw?.kafka.throughput.messagesPerSecond)} msg/s ÷ ${eventsPerLifecycle} events) | ${ratio(lifecycle.peak.lifecyclesPerSecond, allowed)} | ≥ 0.5 |`,
    );
    const changes = lifecycle.peak.lifecyclesPerSecond * 5;
    rows.push(
      `| order state changes per second at the peak (5 per lifecycle) | ${fmt(changes)} | ${fmt(raw?.mongo.updatesPerSecond)} conditional updates/s | ${ratio(changes, raw?.mongo.updatesPerSecond)} | — |`,
    );
    for (const l of lifecycle.loads) {
      rows.push(
        `| state change → gateway p50 / p95 / p99 at ${l.fraction * 100} % of the peak | ${l.p50Ms} / ${l.p95Ms} / ${l.p99Ms} ms | Kafka round trip ${raw ? `${raw.kafka.latency.p50Ms} / ${raw.kafka.latency.p95Ms} / ${raw.kafka.latency.p99Ms} ms` : '—'} | p99 ×${raw ? ratio(l.p99Ms, raw.kafka.latency.p99Ms) : '—'} | ${l.fraction === 0.5 ? 'p99 ≤ 50 ms' : '—'} |`,
      );
    }
  }
  if (order?.lateness?.probes) {
    rows.push(
      `| adjudication lateness p50 / p99 with ${fmt(order.pendingTimers)} pending countdowns | ${order.lateness.p50Ms} / ${order.lateness.p99Ms} ms | BullMQ alone, ${fmt(raw?.bullmq.pending)} pending: ${raw ? `${raw.bullmq.p50Ms} / ${raw.bullmq.p99Ms} ms` : '—'} | p99 ×${raw ? ratio(order.lateness.p99Ms, raw.bullmq.p99Ms) : '—'} | p99 ≤ 100 ms |`,
    );
  }
  if (notification) {
    const c = notification.connections;
    rows.push(
      `| realtime connections one notification instance holds (${fmt(c.websocket)} WebSocket + ${fmt(c.sse)} SSE) and its RSS | ${fmt(c.open)} in ${c.rssMiB} MiB | — | ${ratio(c.rssMiB, 1024)} of 1 GiB | 10,000 in ≤ 1 GiB |`,
    );
  }
  if (idleRssMiB)
    rows.push(
      `| idle RSS of each service | ${Object.entries(idleRssMiB)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')} MiB | — | — | — |`,
    );
  if (rows.length === 0) return '';
  return `| figure | system | raw limit, same run | ratio | goal |\n|---|---|---|---|---|\n${rows.join('\n')}\n`;
}

/**
 * One line per percentile key of `rows`, against each row's `x`; each percentile has the same name
 * and colour in every chart. A declaration, not a const: the charts are drawn by the top-level code
 * above, which runs before a const down here would be set.
 */
function percentileSeries(rows, x, keys) {
  const percentiles = {
    p50Ms: ['p50', '#1f77b4'],
    p95Ms: ['p95', '#ff7f0e'],
    p99Ms: ['p99', '#d62728'],
    maxMs: ['worst', '#9467bd'],
  };
  return keys.map((key) => ({
    name: percentiles[key][0],
    colour: percentiles[key][1],
    points: rows.map((r) => [r[x], r[key]]),
  }));
}

/** Adjudication lateness (p50, p99, worst) against the pending deadlines, with the goals and BullMQ alone. */
function latenessChart(report) {
  const { order, raw } = report;
  return lineChartSvg({
    title: 'Adjudication lateness against the countdowns pending',
    subtitle: `${report.machine}; ${report.at.slice(0, 16).replace('T', ' ')} UTC`,
    xLabel: 'countdowns pending',
    yLabel: 'lateness, ms',
    series: percentileSeries(order.latenessAt, 'pending', ['p50Ms', 'p99Ms', 'maxMs']),
    guides: [
      { name: 'goal: p99 100 ms', y: 100, colour: '#2ca02c' },
      { name: 'goal: worst 250 ms', y: 250, colour: '#8c564b' },
      ...(raw ? [{ name: 'BullMQ alone p99', y: raw.bullmq.p99Ms, colour: '#888' }] : []),
    ],
  });
}

function latencyChart(report) {
  const { lifecycle, raw } = report;
  return lineChartSvg({
    title: 'Order state change → push at the gateway',
    subtitle: `${report.machine}; peak ${lifecycle.peak.lifecyclesPerSecond} lifecycles/s; ${report.at.slice(0, 16).replace('T', ' ')} UTC`,
    xLabel: 'load: lifecycles per second started (25 / 50 / 75 % of the peak)',
    yLabel: 'latency, ms',
    series: percentileSeries(lifecycle.loads, 'rate', ['p50Ms', 'p95Ms', 'p99Ms']),
    guides: [
      { name: 'goal: p99 50 ms', y: 50, colour: '#2ca02c' },
      ...(raw ? [{ name: 'raw Kafka p99', y: raw.kafka.latency.p99Ms, colour: '#888' }] : []),
    ],
  });
}
