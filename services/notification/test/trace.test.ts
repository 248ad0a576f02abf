import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { Topics } from '@orderpulse/contracts';
import { applyTopics, plannedTopics } from '@orderpulse/kafka';
import { ChildService, httpJson, type RecordedRequest, uniqueName, waitFor } from '@orderpulse/testkit';

import { type Deployment, deploymentEnv, newDeployment, tokens } from './support/notification-harness';

const orderMain = join(__dirname, '..', '..', 'order', 'dist', 'main.js');
const notificationMain = join(__dirname, '..', 'dist', 'main.js');
const alwaysOpen = Object.fromEntries(['0', '1', '2', '3', '4', '5', '6'].map((d) => [d, ['00:00-24:00']]));

interface ZipkinSpan {
  traceId: string;
  id: string;
  parentId?: string;
  name: string;
  kind?: string;
  localEndpoint?: { serviceName?: string };
  tags?: Record<string, string>;
}

function zipkinUrl(): string {
  const url = process.env.ZIPKIN_URL;
  if (!url)
    throw new Error(
      'ZIPKIN_URL is not set: the local stack runs Zipkin (node infra/local/stack.mjs up) and writes it to stack.env',
    );
  return url;
}

const repo = join(__dirname, '..', '..', '..');
const promqlWords = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
  'le',
  'inf',
  'nan',
]);

/** The metric names a PromQL expression reads: identifiers that are not functions, keywords, labels or durations. */
function metricsOf(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, '')
    .replace(/\[[^\]]*\]/g, '');
  return [...bare.matchAll(/\b[A-Za-z_:][A-Za-z0-9_:]*\b(?!\s*\()/g)]
    .map((m) => m[0])
    .filter((name) => !promqlWords.has(name.toLowerCase()));
}

async function listening(service: ChildService, name: string): Promise<string> {
  const line = await waitFor(() => service.output.find((l) => l.includes(`${name} listening`)), {
    what: `the ${name} service to listen`,
    timeoutMs: 60_000,
  });
  return `http://127.0.0.1:${(JSON.parse(String(line)) as { port: number }).port}`;
}

/**
 * The order and notification services as processes, exporting spans to the stack's Zipkin:
 * an order placed over HTTP with a storefront's `traceparent` reaches the push gateway in the same trace.
 */
describe('one trace from the placed order to the push', () => {
  let deployment: Deployment;
  let order: ChildService;
  let notification: ChildService;
  let orderBase = '';
  let notificationBase = '';

  beforeAll(async () => {
    deployment = await newDeployment();
    await applyTopics(
      deployment.kafka,
      plannedTopics({
        defaults: { partitions: 3, replicationFactor: 1 },
        deadLetter: { partitions: 1 },
        topics: [
          { name: `${deployment.prefix}${Topics.storefrontOrders}`, consumedBy: ['order'] },
          { name: `${deployment.prefix}${Topics.storefrontReplies}` },
        ],
      }),
    );
    const tracing = {
      OTEL_TRACES_EXPORTER: 'zipkin',
      OTEL_EXPORTER_ZIPKIN_ENDPOINT: `${zipkinUrl()}/api/v2/spans`,
      OTEL_BSP_SCHEDULE_DELAY: '200',
      LOG_LEVEL: 'info',
    };
    notification = new ChildService(process.execPath, [notificationMain], {
      ...process.env,
      ...deploymentEnv(deployment, tracing),
    }).start();
    order = new ChildService(process.execPath, [orderMain], {
      ...process.env,
      ...deploymentEnv(deployment, { ...tracing, MONGO_DB: uniqueName('order') }),
    }).start();
    [notificationBase, orderBase] = await Promise.all([
      listening(notification, 'notification'),
      listening(order, 'order'),
    ]);
  });

  afterAll(async () => {
    await Promise.all([order?.kill('SIGTERM'), notification?.kill('SIGTERM')]);
    await deployment.gateway.stop();
  });

  test('the HTTP request, the order service, the event consumer and the gateway call share one trace id', async () => {
    const admin = tokens.admin();
    const store = await httpJson(orderBase, 'PUT', '/v1/stores/s-trace', admin, {
      merchantId: 'm-trace',
      name: 'Noodle House',
      timeZone: 'Asia/Shanghai',
      hours: alwaysOpen,
      products: [{ productId: 'p-noodles', name: 'Beef noodles', price: 1800, available: true }],
    });
    expect(store.status).toBeLessThan(300);
    await httpJson(notificationBase, 'PUT', '/v1/apps/app-main', admin, {
      name: 'orderpulse demo app',
      authorization: 'key=app-main-secret',
    });
    const device = await httpJson(
      notificationBase,
      'PUT',
      '/v1/installations/pad-trace',
      tokens.merchant('m-trace', 'clerk-1'),
      { appCode: 'app-main', platform: 'android', deviceToken: 'tok-trace-pad' },
    );
    expect(device.status).toBeLessThan(300);

    // The storefront's own trace: the order must join it, not start another.
    const traceId = randomBytes(16).toString('hex');
    const placed = await fetch(`${orderBase}/v1/orders`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${tokens.customer('c-trace')}`,
        'content-type': 'application/json',
        'idempotency-key': uniqueName('key'),
        traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`,
      },
      body: JSON.stringify({
        merchantId: 'm-trace',
        storeId: 's-trace',
        currency: 'CNY',
        locale: 'en',
        lines: [{ productId: 'p-noodles', quantity: 1, unitPrice: 1800 }],
        delivery: {
          line: '88 Century Avenue',
          region: 'pudong',
          contactName: 'Li Wei',
          contactPhone: '+86 138 0000 0000',
        },
      }),
    });
    expect(placed.status).toBe(201);

    const [push] = (await waitFor(() => deployment.gateway.requests.filter((r) => r.body.includes('tok-trace-pad')), {
      what: 'the push to the merchant pad',
      until: (r) => r.length > 0,
      timeoutMs: 30_000,
    })) as [RecordedRequest];
    expect(String(push.headers.traceparent)).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));

    // Spans reach Zipkin as each process's batch flushes, a parent often after its child: wait for
    // the whole line from the gateway call up to the order request, then check what it is made of.
    const kinds = await waitFor(
      async () => {
        const response = await fetch(`${zipkinUrl()}/api/v2/trace/${traceId}`);
        const spans = response.ok ? ((await response.json()) as ZipkinSpan[]) : [];
        const byId = new Map(spans.map((s) => [s.id, s]));
        const gatewayCall = spans.find(
          (x) =>
            x.kind === 'CLIENT' &&
            x.localEndpoint?.serviceName === 'notification' &&
            (x.tags?.['url.full'] ?? '').includes('/api/push'),
        );
        const ancestry: ZipkinSpan[] = [];
        for (let span = gatewayCall; span; span = span.parentId ? byId.get(span.parentId) : undefined)
          ancestry.push(span);
        return ancestry.map((s) => `${s.localEndpoint?.serviceName}:${s.kind ?? 'INTERNAL'}`);
      },
      {
        what: 'the trace in Zipkin, from the gateway call up to the order request',
        timeoutMs: 30_000,
        until: (k) => k.includes('order:SERVER'),
      },
    );
    // The gateway call descends from the notification consumer, which descends from the order request.
    expect(kinds).toContain('notification:CONSUMER');
    expect(kinds).toContain('order:SERVER');
    expect(kinds.indexOf('notification:CONSUMER')).toBeLessThan(kinds.indexOf('order:SERVER'));
  });

  test("every metric the dashboard and the alert rules query is on the services' /metrics", async () => {
    const dashboard = JSON.parse(readFileSync(join(repo, 'infra', 'grafana', 'orderpulse-dashboard.json'), 'utf8')) as {
      panels: { targets: { expr: string }[] }[];
    };
    const rules = readFileSync(join(repo, 'infra', 'prometheus', 'alerts.yml'), 'utf8');
    const exprs = [
      ...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)),
      ...[...rules.matchAll(/expr: (?:\|\n((?:\s{10}.*\n)+)|(.*))/g)].map((m) => (m[1] ?? m[2] ?? '').trim()),
    ];
    // `up` is Prometheus' own record of each scrape, not a service's.
    const queried = new Set(exprs.flatMap(metricsOf).filter((name) => name !== 'up'));
    expect(queried.size).toBeGreaterThan(10);
    const exposed = async () => {
      const texts = await Promise.all(
        [orderBase, notificationBase].map(async (base) => (await fetch(`${base}/metrics`)).text()),
      );
      return new Set(
        texts
          .join('\n')
          .split('\n')
          .filter((l) => l && !l.startsWith('#'))
          .map((l) => /^[A-Za-z_:][A-Za-z0-9_:]*/.exec(l)?.[0] ?? ''),
      );
    };
    // Consumer lag and DLQ sizes are read every 15 s; the first read may precede the groups' first commit.
    const names = await waitFor(exposed, {
      what: 'every queried metric on /metrics',
      timeoutMs: 45_000,
      until: (n) => [...queried].every((q) => n.has(q)),
    });
    expect([...queried].filter((q) => !names.has(q))).toEqual([]);
  });
});
