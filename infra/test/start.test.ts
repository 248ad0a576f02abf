import { join } from 'node:path';

import { ChildService, waitFor } from '@orderpulse/testkit';

const repo = join(__dirname, '..', '..');

/** Ports of its own, so the test's `npm start` stands beside a developer's. */
const ports = { GATEWAY_PORT: '44100', ORDER_PORT: '44101', NOTIFICATION_PORT: '44102', MEDIA_PORT: '44103', AUDIT_PORT: '44104', SHARING_PORT: '44105', PARTNERS_PORT: '44180', PROMETHEUS_PORT: '44109' };
const gateway = `http://127.0.0.1:${ports.GATEWAY_PORT}`;

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
    start = new ChildService(process.execPath, [join(repo, 'infra', 'local', 'run.mjs'), 'start'], { ...process.env, ...ports, LOG_LEVEL: 'warn' }).start();
    await waitFor(() => start.output.find((l) => l.includes('running; Ctrl-C stops')), { what: 'npm start to be running', timeoutMs: 240_000, intervalMs: 500 }).catch((error: unknown) => {
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
    const casesOf = async () => ((await (await fetch(`${gateway}/api/audit/v1/audit/cases?limit=50`, { headers })).json()) as { cases: CaseView[] }).cases;
    const found = await waitFor(async () => (await casesOf()).find((c) => c.target.orderNo === 'SO-DEMO-0001' && c.status === 'open'), { what: "the demo's open case", until: (c) => c !== undefined });
    const demo = found!;

    const fixed = await fetch(`${gateway}/api/audit/v1/audit/cases/${demo.caseId}/fix`, { method: 'POST', headers, body: JSON.stringify({ note: 'unit price corrected to the contract price' }) });
    expect(fixed.status).toBeLessThan(300);

    const closed = await waitFor(async () => (await casesOf()).find((c) => c.caseId === demo.caseId), {
      what: 'the fixed case to close',
      timeoutMs: 60_000,
      until: (c) => c?.status === 'closed',
    });
    expect(closed?.status).toBe('closed');
  });

  test('Ctrl-C stops what it started and leaves the stack it found running', async () => {
    await expect(start.kill('SIGINT')).resolves.toBe(0);
    const free = await fetch(`${gateway}/`).then(() => false, () => true);
    expect(free).toBe(true);
    expect(start.output.join('\n')).toContain('stopping');
  });
});
