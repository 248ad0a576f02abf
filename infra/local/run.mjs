#!/usr/bin/env node
// @ts-check
// The README's two commands, and the stop that goes with them.
//
//   node infra/local/run.mjs start   install, build, start the stack and every service, seed demo data
//   node infra/local/run.mjs test    install, build, lint, start the stack, run every test, stop what it started
//   node infra/local/run.mjs stop    stop the services and the stack
//
// Node built-ins only: it runs before dependencies are installed.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { partnerSecrets, startPartners } from './partners.mjs';
import { ensurePrerequisites } from './preflight.mjs';
import { startPrometheus } from './prometheus.mjs';
import { Supervisor } from './supervisor.cjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const LOCAL = path.resolve(process.env.ORDERPULSE_LOCAL_DIR || path.join(REPO, '.local'));
const STACK = path.join(REPO, 'infra', 'local', 'stack.mjs');
const KAFKA_CLI = path.join(REPO, 'packages', 'kafka', 'dist', 'cli.js');
const TOPICS = path.join(REPO, 'infra', 'kafka', 'topics.json');

/** The services and the local port each listens on (override with <NAME>_PORT). */
const SERVICES = [
  { name: 'order', port: 4101 },
  { name: 'notification', port: 4102 },
  { name: 'media', port: 4103 },
  { name: 'audit', port: 4104 },
  { name: 'sharing', port: 4105 },
];

/** The local token issuer's key pair (made on first start): the signing key and the JWKS the services read. */
const KEYS = path.join(LOCAL, 'keys');
/** Where the local stand-ins for the middle office and the user system listen (override with PARTNERS_PORT). */
const PARTNERS_PORT = Number(process.env.PARTNERS_PORT ?? 4180);
/** Where the browser terminals are served (override with GATEWAY_PORT). */
const GATEWAY_PORT = Number(process.env.GATEWAY_PORT ?? 4100);
/** Where Prometheus listens (override with PROMETHEUS_PORT). */
const PROMETHEUS_PORT = Number(process.env.PROMETHEUS_PORT ?? 4109);
/** Each service keeps its data in the database `<MONGO_DB_PREFIX>_<service>` (default `orderpulse`); another prefix starts empty. */
const MONGO_DB_PREFIX = process.env.MONGO_DB_PREFIX ?? 'orderpulse';

// Nothing leaves the machine: turbo's usage telemetry and the Spectral packages' install-time analytics
// (scarf; also off in package.json's scarfSettings) are off, as DO_NOT_TRACK asks of every tool that honours it.
process.env.TURBO_TELEMETRY_DISABLED ??= '1';
process.env.DO_NOT_TRACK ??= '1';
process.env.SCARF_ANALYTICS ??= 'false';

const say = (line) => process.stdout.write(`orderpulse: ${line}\n`);

/**
 * @param {string} message
 * @returns {never}
 */
function fail(message) {
  process.stderr.write(`orderpulse: ${message}\n`);
  process.exit(1);
}

function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { cwd: REPO, stdio: 'inherit', ...options });
  if (result.error) fail(`${cmd} could not run: ${result.error.message}`);
  return result.status ?? 1;
}

function must(cmd, args, what, options) {
  if (run(cmd, args, options) !== 0) fail(`${what} failed`);
}

function checkNode() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 19))
    fail(`Node ${process.versions.node} is too old — install Node 20.19 or newer`);
}

/**
 * Installs exactly the lockfile with `npm ci` when node_modules is missing or older than the
 * lockfile (a fresh clone, a pull that changed dependencies), as CI and the Dockerfile do; the
 * lockfile lists every platform's optional packages, so ci accepts it on any machine.
 */
function ensureDependencies() {
  const lock = path.join(REPO, 'package-lock.json');
  const installed = path.join(REPO, 'node_modules', '.package-lock.json');
  if (fs.existsSync(installed) && fs.statSync(installed).mtimeMs >= fs.statSync(lock).mtimeMs) return;
  say('installing dependencies from the lockfile (npm ci)');
  must('npm', ['ci', '--no-audit', '--no-fund'], 'npm ci');
}

function stackEnv() {
  const file = path.join(LOCAL, 'stack.env');
  const env = {};
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (match) env[match[1]] = match[2];
  }
  return env;
}

function stackIsUp() {
  return spawnSync(process.execPath, [STACK, 'status'], { cwd: REPO, stdio: 'ignore' }).status === 0;
}

function stackUp() {
  must(process.execPath, [STACK, 'up'], 'starting the local stack');
  must(process.execPath, [KAFKA_CLI, 'topics', 'apply', TOPICS], 'applying topics', {
    env: { ...process.env, KAFKA_BROKERS: stackEnv().KAFKA_BROKERS },
  });
}

function stackDown() {
  run(process.execPath, [STACK, 'down']);
}

/** Where a service listens locally (override with <NAME>_PORT). */
function localUrl(name) {
  const service = SERVICES.find((s) => s.name === name);
  return `http://127.0.0.1:${process.env[`${name.toUpperCase()}_PORT`] ?? service.port}`;
}

function serviceEnv(service, stack) {
  const upper = service.name.toUpperCase();
  return {
    ...process.env,
    ...stack,
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: process.env[`${upper}_PORT`] ?? String(service.port),
    MONGO_DB: `${MONGO_DB_PREFIX}_${service.name}`,
    JWT_JWKS: process.env.JWT_JWKS ?? path.join(KEYS, 'jwks.json'),
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
    ...tracingEnv(stack),
    ...(service.name === 'audit' ? auditPartners() : {}),
    ...(service.name === 'notification'
      ? { ORDER_SERVICE_URL: localUrl('order'), MEDIA_SERVICE_URL: localUrl('media') }
      : {}),
  };
}

/**
 * Spans to the stack's Zipkin unless the environment names an OTLP endpoint or an exporter.
 * Zipkin's server takes Zipkin v2 spans; OTLP would need a module it does not ship with.
 */
function tracingEnv(stack) {
  if (process.env.OTEL_EXPORTER_OTLP_ENDPOINT || process.env.OTEL_TRACES_EXPORTER || !stack.ZIPKIN_URL) return {};
  return { OTEL_TRACES_EXPORTER: 'zipkin', OTEL_EXPORTER_ZIPKIN_ENDPOINT: `${stack.ZIPKIN_URL}/api/v2/spans` };
}

/** The audit service's partners: the local stand-ins unless the environment names real ones. */
function auditPartners() {
  const base = `http://127.0.0.1:${PARTNERS_PORT}`;
  return {
    MIDDLE_OFFICE_URL: process.env.MIDDLE_OFFICE_URL ?? `${base}/reviews`,
    USER_SYSTEM_URL: process.env.USER_SYSTEM_URL ?? `${base}/audit-results`,
    AUDIT_WEBHOOK_SECRET: process.env.AUDIT_WEBHOOK_SECRET ?? partnerSecrets.AUDIT_WEBHOOK_SECRET,
    MIDDLE_OFFICE_SECRET: process.env.MIDDLE_OFFICE_SECRET ?? partnerSecrets.MIDDLE_OFFICE_SECRET,
    USER_SYSTEM_SECRET: process.env.USER_SYSTEM_SECRET ?? partnerSecrets.USER_SYSTEM_SECRET,
  };
}

async function start() {
  // A stack that was already running (another start, a test run) is left running at the end.
  const wasUp = stackIsUp();
  checkNode();
  ensurePrerequisites('start', say, fail);
  ensureDependencies();
  must('npx', ['turbo', 'run', 'build', '--output-logs=errors-only'], 'build');
  stackUp();
  const stack = stackEnv();
  const present = SERVICES.filter((s) => fs.existsSync(path.join(REPO, 'services', s.name, 'dist', 'main.js')));
  fs.mkdirSync(path.join(LOCAL, 'logs'), { recursive: true });
  createRequire(import.meta.url)(path.join(REPO, 'packages', 'service-kit', 'dist', 'index.js')).localTokenIssuer(KEYS);
  const stopPartners = process.env.MIDDLE_OFFICE_URL
    ? async () => undefined
    : await startPartners(PARTNERS_PORT, path.join(LOCAL, 'logs', 'partners.log'));
  // Supervised as a process manager would: a service that dies is started again, with a backoff.
  const children = present.map((service) => {
    const log = fs.openSync(path.join(LOCAL, 'logs', `${service.name}.log`), 'a');
    const supervisor = new Supervisor({
      name: service.name,
      command: process.execPath,
      args: [path.join('services', service.name, 'dist', 'main.js')],
      options: { cwd: REPO, env: serviceEnv(service, stack), stdio: ['ignore', log, log] },
      say: (line) => say(`${line}; see .local/logs/${service.name}.log`),
    }).start();
    return { service, supervisor };
  });
  /** What is started so far, stopped: the services, the partners' stand-ins, the stack if this start brought it up. */
  let gateway;
  let prometheus;
  const stopStarted = async () => {
    // A service already dead (killed by a signal, say) is not waited for: stop() returns for it at once.
    await Promise.all(children.map(({ supervisor }) => supervisor.stop()));
    await gateway?.close();
    await prometheus?.stop();
    await stopPartners();
    if (!wasUp) stackDown();
  };
  let stopping = false;
  const stopAll = async () => {
    if (stopping) return;
    stopping = true;
    say('stopping');
    await stopStarted();
    process.exit(0);
  };
  // From here on, Ctrl-C (or a service that never comes up) stops what was started, not only this process.
  process.on('SIGINT', stopAll);
  process.on('SIGTERM', stopAll);
  for (const { service } of children) {
    const env = serviceEnv(service, stack);
    const problem = await waitReady(service.name, `http://127.0.0.1:${env.HTTP_PORT}/readyz`);
    if (problem) {
      stopping = true;
      await stopStarted();
      fail(problem);
    }
    say(`${service.name.padEnd(13)} http://127.0.0.1:${env.HTTP_PORT}  (log .local/logs/${service.name}.log)`);
  }
  const urls = Object.fromEntries(
    present.map((service) => [service.name, `http://127.0.0.1:${serviceEnv(service, stack).HTTP_PORT}`]),
  );
  const { seedDemo } = await import('./demo.mjs');
  const logins = await seedDemo(urls, { ...serviceEnv(present[0], stack), ...auditPartners() }, KEYS).catch((error) => {
    say(`demo data could not be seeded (${error.message}); the services run without it`);
    return {};
  });
  // Loaded here, not at the top: the gateway uses helmet, installed only by ensureDependencies().
  const { startGateway } = await import('./gateway.mjs');
  gateway = await startGateway({ port: GATEWAY_PORT, services: urls, logins, objectStore: stack.S3_ENDPOINT });
  prometheus = await startPrometheus({
    port: PROMETHEUS_PORT,
    targets: urls,
    dir: path.join(LOCAL, 'prometheus'),
    log: path.join(LOCAL, 'logs', 'prometheus.log'),
  }).catch((error) => {
    say(`prometheus could not start (${error.message}); the services run without it`);
    return undefined;
  });
  say('demo data: store s-demo of merchant m-demo (always open, 60 s response window), riders rider-demo-1 and -2,');
  say(
    '           B2B order SO-DEMO-0001 refused on price (audit desk of h-demo), organisation org-demo with two guarantee orders',
  );
  say(
    `terminals:  http://127.0.0.1:${gateway.port}/  (customer, merchant console, delivery terminal, audit desk, organisation; demo logins on that page)`,
  );
  if (stack.ZIPKIN_URL) say(`traces:     ${stack.ZIPKIN_URL}/zipkin/  (Zipkin)`);
  say(
    prometheus
      ? `metrics:    ${prometheus.url}/alerts  (Prometheus: every service's /metrics, alert rules of infra/prometheus/alerts.yml)`
      : 'metrics:    Prometheus is not installed (apt-get install prometheus); each service still serves /metrics',
  );
  for (const [role, token] of Object.entries(logins)) say(`demo login (${role}): Bearer ${token}`);
  say('running; Ctrl-C stops the services and the stack');
}

/** Waits up to a minute for a service's readiness: undefined once ready, else why not. */
async function waitReady(name, url) {
  const deadline = Date.now() + 60_000;
  let last = '';
  while (Date.now() < deadline) {
    try {
      // A port something else holds may accept and never answer: each try is bounded.
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
      last = `${response.status} ${await response.text()}`;
    } catch (error) {
      last = error.message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return `${name} did not become ready: ${last}`;
}

async function test() {
  checkNode();
  ensurePrerequisites('test', say, fail);
  ensureDependencies();
  must(
    'npx',
    [
      'turbo',
      'run',
      'build',
      'lint',
      'lint:scripts',
      'format:check',
      'typecheck',
      'typecheck:scripts',
      '--output-logs=errors-only',
    ],
    'build, lint and typecheck',
  );
  const wasUp = stackIsUp();
  stackUp();
  const env = { ...process.env, ...stackEnv() };
  // Two workspaces at a time (each jest runs its files one by one): the tests mostly wait on the broker,
  // the database and their timers, and each test file isolates itself by unique names.
  const child = spawn('npx', ['turbo', 'run', 'test', '--concurrency=2', '--continue', ...process.argv.slice(3)], {
    cwd: REPO,
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // A test run that hangs (a handle left open) must fail, not hold CI to its limit.
  const limit = setTimeout(() => {
    process.stderr.write('orderpulse: the tests ran past 40 minutes; stopping them\n');
    child.kill('SIGTERM');
  }, 40 * 60_000);
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk.toString('utf8');
    process.stdout.write(chunk);
  });
  const status = await new Promise((resolve) => child.once('close', (code) => resolve(code ?? 1)));
  clearTimeout(limit);
  if (!wasUp) stackDown();
  const totals = jestTotals(output);
  // The short fault suite, on its own stack, directory and ports, once the test stack is down; a
  // run narrowed with turbo arguments (`npm test -- --filter=…`) is about those workspaces only, and
  // one whose tests failed already has its answer.
  if (process.argv.length <= 3 && status === 0) {
    const outcome = shortFaultRun();
    process.stdout.write(`fault suite (short): ${outcome}\n`);
    totals[outcome === 'passed' ? 'passed' : 'failed'] += 1;
  }
  process.stdout.write(`tests: ${totals.passed} passed, ${totals.failed} failed\n`);
  process.exit(status === 0 && totals.failed === 0 && totals.passed > 0 ? 0 : 1);
}

/**
 * `npm run chaos -- --short` (chaos/src/main.ts), about 5 minutes here, stopped after 15 (it then
 * stops its services and stack itself): 'passed' when it found no violation, else what went wrong.
 */
function shortFaultRun() {
  const env = { ...process.env, ORDERPULSE_LOCAL_DIR: path.join(LOCAL, 'chaos') };
  // Its stack is its own: the ports, endpoints and names of this one, and the caller's own chaos
  // settings (CHAOS_KEEP_STACK would leave its stack running), must not leak in.
  const inherited = [
    'KAFKA_PORT',
    'KAFKA_CONTROLLER_PORT',
    'MONGO_PORT',
    'REDIS_PORT',
    'S3_PORT',
    'ZIPKIN_PORT',
    'KAFKA_BROKERS',
    'MONGO_URL',
    'REDIS_URL',
    'S3_ENDPOINT',
    'ZIPKIN_URL',
    'KAFKA_TOPIC_PREFIX',
    'QUEUE_PREFIX',
  ];
  for (const name of Object.keys(env)) if (inherited.includes(name) || name.startsWith('CHAOS_')) delete env[name];
  const result = spawnSync(process.execPath, [path.join(REPO, 'chaos', 'dist', 'main.js'), '--short'], {
    cwd: REPO,
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: 15 * 60_000,
    killSignal: 'SIGTERM',
  });
  if (result.status === 0) return 'passed';
  if (result.error) return `FAILED (${result.error.message})`;
  return result.signal ? `FAILED (stopped by ${result.signal})` : `FAILED (exit ${result.status})`;
}

/** Adds up jest's per-workspace "Tests:" lines into one closing line for the whole run. */
function jestTotals(output) {
  const totals = { passed: 0, failed: 0 };
  for (const line of output.split('\n')) {
    const match = /Tests:\s+(.*\d+ total)/.exec(line);
    if (!match) continue;
    totals.passed += Number(/(\d+) passed/.exec(match[1])?.[1] ?? 0);
    totals.failed += Number(/(\d+) failed/.exec(match[1])?.[1] ?? 0);
  }
  return totals;
}

const command = process.argv[2];
if (command === 'start') await start();
else if (command === 'test') await test();
else if (command === 'stop') stackDown();
else fail('usage: node infra/local/run.mjs start|test|stop');
