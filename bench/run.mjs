// `npm run bench`: runs the benchmarks on the local stack (started if needed, stopped if we started it)
// and writes bench/results/latest.json and latest.md. Throughput is the median of three runs.
// `npm run bench -- --only=media` (or order, notification; comma-separated) runs just those and
// writes bench/results/latest-<names>.json and .md, leaving the full report alone.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { benchMedia } from './media.bench.mjs';
import { benchNotification } from './notification.bench.mjs';
import { benchOrder, median } from './order.bench.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const STACK = path.join(REPO, 'infra', 'local', 'stack.mjs');
const results = path.join(REPO, 'bench', 'results');

function stackEnv() {
  const file = path.join(process.env.ORDERPULSE_LOCAL_DIR ?? path.join(REPO, '.local'), 'stack.env');
  return Object.fromEntries(fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => l.split(/=(.*)/s).slice(0, 2)));
}

const only = (process.argv.find((a) => a.startsWith('--only=')) ?? '--only=').slice('--only='.length).split(',').filter(Boolean);
const wants = (name) => only.length === 0 || only.includes(name);
const os = await import('node:os');

const wasUp = spawnSync(process.execPath, [STACK, 'status'], { stdio: 'ignore' }).status === 0;
if (spawnSync('npx', ['turbo', 'run', 'build', '--output-logs=errors-only'], { cwd: REPO, stdio: 'inherit' }).status !== 0) process.exit(1);
if (spawnSync(process.execPath, [STACK, 'up'], { stdio: 'inherit' }).status !== 0) process.exit(1);
try {
  const stack = stackEnv();
  const report = { at: new Date().toISOString(), machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB` };
  let md = `| figure | value |\n|---|---|\n`;
  if (wants('order')) {
    const runs = [];
    for (let i = 0; i < 3; i += 1) {
      // Only the first run carries the 100,000 pending deadlines; the others measure throughput.
      runs.push(await benchOrder(stack, i === 0 ? {} : { pending: 0, probes: 0 }));
      process.stdout.write(`order run ${i + 1}: ${JSON.stringify(runs[i])}\n`);
    }
    report.machine = runs[0].machine;
    report.order = {
      placedPerSecond: median(runs.map((r) => r.placedPerSecond)),
      acceptedPerSecond: median(runs.map((r) => r.acceptedPerSecond)),
      placeAndAcceptPerSecond: median(runs.map((r) => r.placeAndAcceptPerSecond)),
      pendingTimers: runs[0].pendingTimers,
      lateness: runs[0].lateness,
      rssIdleMiB: Math.round(median(runs.map((r) => r.rssIdleMiB))),
      rssAfterThroughputMiB: Math.round(median(runs.map((r) => r.rssAfterThroughputMiB))),
      rssWithPendingMiB: Math.round(runs[0].rssWithPendingMiB),
    };
    const o = report.order;
    md +=
      `| orders placed per second (32 in flight, timers pending; median of 3) | ${o.placedPerSecond} |\n` +
      `| orders accepted per second (median of 3) | ${o.acceptedPerSecond} |\n` +
      `| place + accept cycles per second (median of 3) | ${o.placeAndAcceptPerSecond} |\n` +
      `| adjudication lateness with ${o.pendingTimers} pending deadlines, ${o.lateness.probes} probes: p50 / p99 / max | ${o.lateness.p50Ms} / ${o.lateness.p99Ms} / ${o.lateness.maxMs} ms |\n` +
      `| order service RSS: idle / after throughput / with the pending deadlines | ${o.rssIdleMiB} / ${o.rssAfterThroughputMiB} / ${o.rssWithPendingMiB} MiB |\n`;
  }
  if (wants('notification')) {
    // One run: each latency row is already a distribution over its events.
    const notification = await benchNotification(stack);
    process.stdout.write(`notification: ${JSON.stringify(notification)}\n`);
    report.notification = notification;
    md +=
      notification.latency.map((l) => `| order.placed → gateway at ${l.rate} events/s (${l.delivered}/${l.events} pushed): p50 / p95 / p99 | ${l.p50Ms} / ${l.p95Ms} / ${l.p99Ms} ms |\n`).join('') +
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
  const name = only.length === 0 ? 'latest' : `latest-${only.join('-')}`;
  fs.mkdirSync(results, { recursive: true });
  fs.writeFileSync(path.join(results, `${name}.json`), `${JSON.stringify(report, null, 2)}\n`);
  fs.writeFileSync(path.join(results, `${name}.md`), md);
  process.stdout.write(`\n${report.machine}, ${report.at}\n${md}`);
} finally {
  if (!wasUp) spawnSync(process.execPath, [STACK, 'down'], { stdio: 'inherit' });
}
