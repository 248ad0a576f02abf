import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ChildService, hostileTargets, rawRequest, waitFor } from '@orderpulse/testkit';

const local = join(__dirname, '..', 'local');
const bench = join(__dirname, '..', '..', 'bench');

/**
 * The gateway and the partner stand-ins in one process, as `npm start` runs them: one request
 * that throws in either stops the terminals and the stand-ins together.
 */
function startLocalServers(): ChildService {
  const script = `
    import { startGateway } from ${JSON.stringify(join(local, 'gateway.mjs'))};
    import { startPartners } from ${JSON.stringify(join(local, 'partners.mjs'))};
    const gateway = await startGateway({ port: 0, services: { order: 'http://127.0.0.1:9' } });
    const partners = await startPartners(0, ${JSON.stringify(join(mkdtempSync(join(tmpdir(), 'partners-')), 'partners.log'))});
    // The benchmarks' push-gateway stand-ins, which run beside the services under load.
    const lifecycle = await (await import(${JSON.stringify(join(bench, 'lifecycle.bench.mjs'))})).startGateway();
    const notification = await (await import(${JSON.stringify(join(bench, 'notification.bench.mjs'))})).startGateway(new Map());
    const port = (url) => Number(new URL(url).port);
    console.log(JSON.stringify({ gateway: gateway.port, partners: partners.port, lifecyclePush: port(lifecycle.url), notificationPush: port(notification.url) }));
  `;
  return new ChildService(process.execPath, ['--input-type=module', '-e', script], { PATH: process.env.PATH }).start();
}

describe('the local servers npm start runs', () => {
  let child: ChildService;
  let ports: { gateway: number; partners: number; lifecyclePush: number; notificationPush: number };

  beforeAll(async () => {
    child = startLocalServers();
    const line = await waitFor(() => child.output.find((l) => l.startsWith('{"gateway"')), { what: 'the gateway and partners listening', timeoutMs: 10_000 });
    ports = JSON.parse(line!) as typeof ports;
  });

  afterAll(async () => {
    await child.kill();
  });

  test('the gateway answers a malformed escape like /%E0%A4%A with a 400 problem and keeps serving the terminals', async () => {
    const reply = await rawRequest(ports.gateway, '/%E0%A4%A');
    expect(reply.status).toBe(400);
    expect(reply.text).toMatch(/content-type: application\/problem\+json/i);
    expect(JSON.parse(reply.body)).toMatchObject({ status: 400 });
    expect((await rawRequest(ports.gateway, '/')).status).toBe(200);
  });

  test.each(['gateway', 'partners', 'lifecyclePush', 'notificationPush'] as const)('the %s answers every hostile request target with a 4xx (or a page) and is still there afterwards', async (name) => {
    for (const target of hostileTargets) {
      for (const method of ['GET', 'POST', 'OPTIONS']) {
        const { status } = await rawRequest(ports[name], target, { method, ...(method === 'POST' ? { body: '{"a":' } : {}) });
        expect([method, target, status >= 200 && status < 500 ? 'answered' : status]).toEqual([method, target, 'answered']);
      }
    }
    // A WebSocket upgrade to a malformed target is refused, not thrown on.
    expect((await rawRequest(ports.gateway, '/%E0%A4%A', { headers: { upgrade: 'websocket', connection: 'upgrade' } })).status).toBe(404);
    expect(child.output.join('\n')).not.toMatch(/URIError|TypeError/);
    expect((await rawRequest(ports.partners, '/reviews', { method: 'POST', body: '{}' })).status).toBe(200);
    expect((await rawRequest(ports.gateway, '/merchant')).status).toBe(200);
    const push = JSON.stringify({ notifications: [{ tokens: ['t'], data: { orderId: 'o-1' } }] });
    expect((await rawRequest(ports.lifecyclePush, '/api/push', { method: 'POST', body: push })).status).toBe(200);
    expect((await rawRequest(ports.notificationPush, '/api/push', { method: 'POST', body: push })).status).toBe(200);
  });
});
