import { join } from 'node:path';

import { ChildService, type RecordedRequest, waitFor } from '@orderpulse/testkit';

import {
  type Deployment,
  deploymentEnv,
  gorushOk,
  newDeployment,
  OrderEvents,
  SocketClient,
  tokens,
} from './support/notification-harness';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const main = join(__dirname, '..', 'dist', 'main.js');

/** The built service as its own process, so the test can kill it without a goodbye. */
async function startChild(deployment: Deployment): Promise<{ child: ChildService; base: string }> {
  const child = new ChildService(process.execPath, [main], {
    ...process.env,
    ...deploymentEnv(deployment, { LOG_LEVEL: 'info', PUSH_LOCK_SECONDS: '2', PUSH_CONCURRENCY: '8' }),
  }).start();
  const line = await waitFor(() => child.output.find((l) => l.includes('notification listening')), {
    what: `the service to listen; output:\n${child.tail()}`,
    timeoutMs: 60_000,
  });
  const port = (JSON.parse(String(line)) as { port: number }).port;
  return { child, base: `http://127.0.0.1:${port}` };
}

const keyOf = (r: RecordedRequest) => String(r.headers['idempotency-key']);

describe('notification service killed mid-batch', () => {
  let deployment: Deployment;
  let events: OrderEvents;
  const children: ChildService[] = [];

  beforeAll(async () => {
    deployment = await newDeployment();
    events = new OrderEvents(deployment);
  });

  afterAll(async () => {
    await Promise.all(children.map((c) => c.kill()));
    await events.stop();
    await deployment.gateway.stop();
  });

  test('after a restart every push is delivered, and none is taken twice by the gateway', async () => {
    const first = await startChild(deployment);
    children.push(first.child);
    const call = (base: string, method: string, path: string, token: string, body?: unknown) =>
      fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body ? { body: JSON.stringify(body) } : {}),
      }).then(async (r) => ({ status: r.status, body: (await r.json().catch(() => undefined)) as Json }));
    await call(first.base, 'PUT', '/v1/apps/app-crash', tokens.admin(), { name: 'crash app' });
    const devices = [
      [tokens.merchant('m-crash', 'clerk-1'), 'pad-1'],
      [tokens.merchant('m-crash', 'clerk-2'), 'pad-2'],
      [tokens.customer('c-crash'), 'phone-1'],
      [tokens.customer('c-crash'), 'phone-2'],
    ] as const;
    for (const [token, id] of devices)
      expect(
        (
          await call(first.base, 'PUT', `/v1/installations/${id}`, token, {
            appCode: 'app-crash',
            platform: 'android',
            deviceToken: `token-${id}`,
          })
        ).status,
      ).toBe(201);

    // The gateway takes the first twelve pushes, then holds every answer: the service dies with pushes in flight.
    let answered = 0;
    deployment.gateway.answerAlways(() =>
      ++answered <= 12 ? gorushOk() : { status: 200, hold: true, body: { counts: 1, logs: [], success: 'ok' } },
    );
    const orders: string[] = [];
    for (let i = 0; i < 10; i += 1)
      orders.push((await events.placed({ merchantId: 'm-crash', customerId: 'c-crash' })).orderId);
    const delivered = async (base: string) => {
      const logs = await Promise.all(
        ['merchant:m-crash', 'customer:c-crash'].map((r) =>
          call(base, 'GET', `/v1/pushes?recipient=${r}&limit=500`, tokens.admin()),
        ),
      );
      return logs.flatMap((l) => (l.body?.pushes ?? []) as Json[]);
    };
    await waitFor(() => deployment.gateway.holding >= 1, { what: 'pushes held in flight', timeoutMs: 30_000 });
    await waitFor(() => delivered(first.base), {
      what: 'the twelve answered pushes recorded',
      until: (d) => d.filter((x) => x.status === 'delivered').length === 12,
    });
    await first.child.kill('SIGKILL');
    const heldAtKill = deployment.gateway.holding;
    expect(heldAtKill).toBeGreaterThan(0);
    deployment.gateway.answerAlways(gorushOk);
    deployment.gateway.release();

    const second = await startChild(deployment);
    children.push(second.child);
    const log = await waitFor(() => delivered(second.base), {
      what: 'all forty pushes delivered',
      timeoutMs: 60_000,
      until: (d) => d.length === 40 && d.every((x) => x.status === 'delivered'),
    });

    // Each (event, recipient, device) has one key; the gateway answered each key exactly once.
    const requests = deployment.gateway.requests.filter((r) => r.path === '/api/push');
    const byKey = new Map<string, RecordedRequest[]>();
    for (const r of requests) byKey.set(keyOf(r), [...(byKey.get(keyOf(r)) ?? []), r]);
    expect(byKey.size).toBe(40);
    for (const [, tries] of byKey) {
      expect(tries.filter((t) => t.answered)).toHaveLength(1);
      // A repeat only ever follows a try whose answer the dead instance never got.
      expect(tries.slice(0, -1).every((t) => !t.answered)).toBe(true);
    }
    expect(requests.length - 40).toBeLessThanOrEqual(heldAtKill);
    for (const d of log) expect((d.attempts as Json[]).filter((a) => a.outcome === 'delivered')).toHaveLength(1);
    // The log tells the truth: every call the gateway got is a try in the log. A try cut short by the
    // kill is `unknown` — recorded before its request left, so it may or may not have reached the gateway.
    for (const d of log) {
      const attempts = d.attempts as Json[];
      const tries = byKey.get(String(d.idempotencyKey)) ?? [];
      expect(attempts.length).toBeGreaterThanOrEqual(tries.length);
      expect(attempts.map((a) => a.outcome)).toEqual([...attempts.slice(0, -1).map(() => 'unknown'), 'delivered']);
      expect(attempts.map((a) => a.attempt)).toEqual(attempts.map((_, i) => i + 1));
    }
    expect(log.filter((d) => (d.attempts as Json[]).length > 1).length).toBeGreaterThanOrEqual(requests.length - 40);

    // The realtime backlog holds each event once per recipient, whatever was redelivered.
    const replay = await SocketClient.open(second.base, tokens.merchant('m-crash'), '0-0');
    const frames = await waitFor(() => replay.notifications(), {
      what: 'the merchant backlog',
      until: (f) => f.length >= 10,
    });
    expect(frames.map((f) => f.message?.orderId).sort()).toEqual([...orders].sort());
    replay.close();
  });
});
