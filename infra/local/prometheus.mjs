// @ts-check
// Prometheus (Debian's `prometheus` package) for `npm start`: a configuration generated under the
// local folder that scrapes every service's /metrics and loads the alert rules of infra/prometheus/,
// data kept under the local folder, listening on loopback only.
//
// Node built-ins only.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const RULES = path.resolve(HERE, '..', 'prometheus', 'alerts.yml');

/** The scrape configuration: one job, `orderpulse`, with each service as a target labelled `service`. */
export function prometheusConfig(targets, scrapeSeconds = 15) {
  const lines = [
    'global:',
    `  scrape_interval: ${scrapeSeconds}s`,
    `  evaluation_interval: ${scrapeSeconds}s`,
    'rule_files:',
    `  - ${JSON.stringify(RULES)}`,
    'scrape_configs:',
    '  - job_name: orderpulse',
    '    metrics_path: /metrics',
    '    static_configs:',
  ];
  for (const [service, url] of Object.entries(targets)) {
    lines.push(
      `      - targets: [${JSON.stringify(new URL(url).host)}]`,
      `        labels: { service: ${JSON.stringify(service)} }`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Starts Prometheus on 127.0.0.1:`port` scraping `targets` ({ service: baseUrl }), or says why not.
 * Resolves with its address and a stop function; `undefined` when the binary is missing.
 */
export async function startPrometheus({ port, targets, dir, log }) {
  if (spawnSync('prometheus', ['--version'], { stdio: 'ignore' }).error) return undefined;
  fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
  const config = path.join(dir, 'prometheus.yml');
  fs.writeFileSync(config, prometheusConfig(targets));
  const out = fs.openSync(log, 'a');
  const child = spawn(
    'prometheus',
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=2d',
    ],
    { stdio: ['ignore', out, out] },
  );
  fs.closeSync(out);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`prometheus exited (${child.exitCode}); see ${log}`);
    try {
      if ((await fetch(`${url}/-/ready`)).ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', resolve);
        child.kill('SIGTERM');
      }),
  };
}
