import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { ChildService, loadStackEnvFile, waitFor } from '@orderpulse/testkit';

const repo = join(__dirname, '..', '..');

/**
 * Ports, databases and queues of its own, so the test's `npm start` stands beside a developer's and
 * seeds its demo data anew each run. The ports lie below Linux's ephemeral range (32768–60999), where
 * an outgoing connection of any other process may hold one as its local port (a run failed so, its
 * notification service refused 44102 with EADDRINUSE).
 */
const instance = `start_${Date.now()}`;
const ports = {
  MONGO_DB_PREFIX: instance,
  QUEUE_PREFIX: instance,
  GATEWAY_PORT: '24100',
  ORDER_PORT: '24101',
  NOTIFICATION_PORT: '24102',
  MEDIA_PORT: '24103',
  AUDIT_PORT: '24104',
  SHARING_PORT: '24105',
  PARTNERS_PORT: '24180',
  PROMETHEUS_PORT: '24109',
};
const gateway = `http://127.0.0.1:${ports.GATEWAY_PORT}`;

/**
 * Runs a shell block as a user's bash would, with -euo pipefail, without blocking this process (a
 * blocked event loop leaves the gateway's closed keep-alive sockets unnoticed in fetch's pool).
 * Its stdin is /dev/null: bash reads the system bashrc when stdin is a socket, as node's pipes are.
 */
function runShell(
  script: string,
  env: NodeJS.ProcessEnv,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['--norc', '--noprofile', '-euo', 'pipefail', '-c', script], {
      cwd: repo,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 240_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

interface CaseView {
  caseId: string;
  status: string;
  target: { orderNo?: string };
}

/**
 * `npm start` exactly as a newcomer runs it — its services, stand-ins, gateway and demo data — on the
 * stack the tests already run (so it leaves that stack up when it stops): the demo's audit case,
 * fixed at the audit desk's API, is re-submitted to the middle office stand-in and closes.
 */
describe('npm start, as wired', () => {
  let start: ChildService;

  beforeAll(async () => {
    start = new ChildService(process.execPath, [join(repo, 'infra', 'local', 'run.mjs'), 'start'], {
      ...process.env,
      ...ports,
      LOG_LEVEL: 'warn',
    }).start();
    await waitFor(() => start.output.find((l) => l.includes('running; Ctrl-C stops')), {
      what: 'npm start to be running',
      timeoutMs: 240_000,
      intervalMs: 500,
    }).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${start.tail(40)}`);
    });
  }, 300_000);

  afterAll(async () => {
    await start.kill('SIGINT');
  });

  test('prints where the terminals, the traces and the metrics are', () => {
    const lines = start.output.join('\n');
    expect(lines).toContain(`terminals:  ${gateway}/`);
    expect(lines).toMatch(/traces: +http:\/\/127\.0\.0\.1:\d+\/zipkin\//);
    expect(lines).toContain(`metrics:    http://127.0.0.1:${ports.PROMETHEUS_PORT}/alerts`);
  });

  test("the demo's refused B2B order, fixed by its handler, is re-submitted and its case closes", async () => {
    const login = start.output.find((l) => l.includes('demo login (handler): Bearer '));
    const token = login!.split('Bearer ')[1]!.trim();
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const casesOf = async () =>
      (
        (await (await fetch(`${gateway}/api/audit/v1/audit/cases?limit=50`, { headers })).json()) as {
          cases: CaseView[];
        }
      ).cases;
    const found = await waitFor(
      async () => (await casesOf()).find((c) => c.target.orderNo === 'SO-DEMO-0001' && c.status === 'open'),
      { what: "the demo's open case", until: (c) => c !== undefined },
    );
    const demo = found!;

    const fixed = await fetch(`${gateway}/api/audit/v1/audit/cases/${demo.caseId}/fix`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ note: 'unit price corrected to the contract price' }),
    });
    expect(fixed.status).toBeLessThan(300);

    const closed = await waitFor(async () => (await casesOf()).find((c) => c.caseId === demo.caseId), {
      what: 'the fixed case to close',
      timeoutMs: 60_000,
      until: (c) => c?.status === 'closed',
    });
    expect(closed?.status).toBe('closed');
  });

  test("the README's Integrating block runs as written: a token, the contract, an order over HTTP read back by its reference, one on Kafka heard back on the replies topic with kcat and with the Kafka CLI", async () => {
    const readme = readFileSync(join(repo, 'README.md'), 'utf8');
    const section = readme.slice(
      readme.indexOf('## Integrating'),
      readme.indexOf('\n## ', readme.indexOf('## Integrating') + 3),
    );
    const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
    expect(block).toContain('kcat');
    loadStackEnvFile(repo, process.env);
    const env = { ...process.env, GATEWAY: gateway, BROKER: process.env.KAFKA_BROKERS ?? '' };
    const run = await runShell(block!, env);
    expect(
      run.stderr
        .split('\n')
        .filter((l) => l && !l.startsWith('%'))
        .join('\n'),
    ).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('"status":"new"');
    expect(run.stdout).toContain('"name":"Beef noodles"');
    expect(run.stdout).toContain('ce_type=storefront-order.taken');
    expect(run.stdout).toMatch(/^shop-web\/kcat-\d+\t\{.*"orderId":"sf_/m);
  }, 300_000);

  test("the gateway's docs page and merged document show every service's routes", async () => {
    const merged = await fetch(`${gateway}/openapi.json`);
    const document = (await merged.json()) as { info: { description: string }; paths: Record<string, unknown> };
    expect({ status: merged.status, description: document.info?.description }).toEqual({
      status: 200,
      description: expect.not.stringContaining('Not answering now') as unknown,
    });
    const committed = JSON.parse(readFileSync(join(repo, 'docs', 'openapi.json'), 'utf8')) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(document.paths).sort()).toEqual(Object.keys(committed.paths).sort());
    const page = await fetch(`${gateway}/docs`);
    expect(page.headers.get('content-security-policy')).toContain("connect-src 'self'");
    expect(await page.text()).toContain('/docs/swagger-ui-bundle.js');
    const script = await fetch(`${gateway}/docs/swagger-ui-bundle.js`);
    expect(script.status).toBe(200);
    expect(Number(script.headers.get('content-length') ?? (await script.arrayBuffer()).byteLength)).toBeGreaterThan(
      100_000,
    );
  });

  test('Ctrl-C stops what it started and leaves the stack it found running', async () => {
    await expect(start.kill('SIGINT')).resolves.toBe(0);
    const free = await fetch(`${gateway}/`).then(
      () => false,
      () => true,
    );
    expect(free).toBe(true);
    expect(start.output.join('\n')).toContain('stopping');
  });
});
