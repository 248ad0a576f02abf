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
    // A second gateway before a service that answers its document with something else, and one away.
    const { createServer } = await import('node:http');
    const odd = createServer((req, res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{}'); });
    await new Promise((r) => odd.listen(0, '127.0.0.1', r));
    const skewed = await startGateway({ port: 0, services: { order: 'http://127.0.0.1:' + odd.address().port, media: 'http://127.0.0.1:9' } });
    const partners = await startPartners(0, ${JSON.stringify(join(mkdtempSync(join(tmpdir(), 'partners-')), 'partners.log'))});
    // The benchmarks' push-gateway stand-ins, which run beside the services under load.
    const lifecycle = await (await import(${JSON.stringify(join(bench, 'lifecycle.bench.mjs'))})).startGateway();
    const notification = await (await import(${JSON.stringify(join(bench, 'notification.bench.mjs'))})).startGateway(new Map());
    const port = (url) => Number(new URL(url).port);
    console.log(JSON.stringify({ gateway: gateway.port, skewed: skewed.port, partners: partners.port, lifecyclePush: port(lifecycle.url), notificationPush: port(notification.url) }));
  `;
  return new ChildService(process.execPath, ['--input-type=module', '-e', script], { PATH: process.env.PATH }).start();
}

describe('the local servers npm start runs', () => {
  let child: ChildService;
  let ports: { gateway: number; skewed: number; partners: number; lifecyclePush: number; notificationPush: number };

  beforeAll(async () => {
    child = startLocalServers();
    const line = await waitFor(() => child.output.find((l) => l.startsWith('{"gateway"')), {
      what: 'the gateway and partners listening',
      timeoutMs: 10_000,
    });
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

  test('a request for a service the gateway does not have (constructor, __proto__) is a 404, over HTTP and WebSocket, and the gateway keeps serving', async () => {
    for (const target of ['/api/constructor/v1/x', '/api/__proto__/v1/x', '/api/toString/openapi.json']) {
      const reply = await rawRequest(ports.gateway, target);
      expect([target, reply.status]).toEqual([target, 404]);
      expect(reply.text).toMatch(/content-type: application\/problem\+json/i);
      expect(
        (await rawRequest(ports.gateway, target, { headers: { upgrade: 'websocket', connection: 'upgrade' } })).status,
      ).toBe(404);
    }
    expect(child.output.join('\n')).not.toMatch(/TypeError|Invalid URL/);
    expect((await rawRequest(ports.gateway, '/docs')).status).toBe(200);
  });

  test("a service's health, readiness, metrics and queue console are not passed on; only its API and document are", async () => {
    for (const target of [
      '/api/order/metrics',
      '/api/order/healthz',
      '/api/order/readyz',
      '/api/order/admin/queues',
      '/api/order',
    ]) {
      expect([target, (await rawRequest(ports.gateway, target)).status]).toEqual([target, 404]);
    }
    // The API itself is passed on (here to a service that is away: the gateway says so).
    expect((await rawRequest(ports.gateway, '/api/order/v1/orders')).status).toBe(502);
  });

  test("the gateway's own pages and documents are read with GET or HEAD: anything else is a 405 naming them", async () => {
    for (const target of ['/openapi.json', '/docs', '/merchant']) {
      for (const method of ['POST', 'PUT', 'DELETE', 'TRACE']) {
        const reply = await rawRequest(ports.gateway, target, {
          method,
          ...(method !== 'TRACE' ? { body: '{}' } : {}),
        });
        expect([method, target, reply.status]).toEqual([method, target, 405]);
        expect(reply.text).toMatch(/^allow: GET, HEAD/im);
      }
    }
    expect((await rawRequest(ports.gateway, '/docs', { method: 'HEAD' })).status).toBe(200);
  });

  test('a request line or header node refuses is a problem document from the gateway too', async () => {
    const reply = await rawRequest(ports.gateway, '/', { headers: { 'x-big': 'a'.repeat(70_000) } });
    expect(reply.status).toBe(431);
    expect(reply.text).toMatch(/content-type: application\/problem\+json/i);
  });

  test("a service whose document is not one, or that is away, is left out of the gateway's document and named with why", async () => {
    const res = await fetch(`http://127.0.0.1:${ports.skewed}/openapi.json`);
    expect(res.status).toBe(200);
    const document = (await res.json()) as { info: { description: string }; paths: Record<string, unknown> };
    expect(document.info.description).toMatch(/order \(its answer is not an OpenAPI document\)/);
    expect(document.info.description).toMatch(/media \(not answering now\)/);
  });

  test.each(['gateway', 'partners', 'lifecyclePush', 'notificationPush'] as const)(
    'the %s answers every hostile request target with a 4xx (or a page) and is still there afterwards',
    async (name) => {
      for (const target of hostileTargets) {
        for (const method of ['GET', 'POST', 'OPTIONS']) {
          const { status } = await rawRequest(ports[name], target, {
            method,
            ...(method === 'POST' ? { body: '{"a":' } : {}),
          });
          expect([method, target, status >= 200 && status < 500 ? 'answered' : status]).toEqual([
            method,
            target,
            'answered',
          ]);
        }
      }
      // A WebSocket upgrade to a malformed target is refused, not thrown on.
      expect(
        (await rawRequest(ports.gateway, '/%E0%A4%A', { headers: { upgrade: 'websocket', connection: 'upgrade' } }))
          .status,
      ).toBe(404);
      expect(child.output.join('\n')).not.toMatch(/URIError|TypeError/);
      expect((await rawRequest(ports.partners, '/reviews', { method: 'POST', body: '{}' })).status).toBe(200);
      expect((await rawRequest(ports.gateway, '/merchant')).status).toBe(200);
      const push = JSON.stringify({ notifications: [{ tokens: ['t'], data: { orderId: 'o-1' } }] });
      expect((await rawRequest(ports.lifecyclePush, '/api/push', { method: 'POST', body: push })).status).toBe(200);
      expect((await rawRequest(ports.notificationPush, '/api/push', { method: 'POST', body: push })).status).toBe(200);
    },
  );
});
