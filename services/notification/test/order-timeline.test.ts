import { join } from 'node:path';

import { Topics } from '@orderpulse/contracts';
import { applyTopics, EventProducer, plannedTopics } from '@orderpulse/kafka';
import { ChildService, uniqueName, waitFor } from '@orderpulse/testkit';
import { collectTimeline, formatTimeline, type OrderTimeline } from '@orderpulse/timeline';

import {
  type Deployment,
  deploymentEnv,
  gorushOk,
  newDeployment,
  NotificationInstance,
  tokens,
} from './support/notification-harness';

const orderMain = join(__dirname, '..', '..', 'order', 'dist', 'main.js');
const alwaysOpen = Object.fromEntries(['0', '1', '2', '3', '4', '5', '6'].map((d) => [d, ['00:00-24:00']]));

/** The question support is asked: "why was this customer not told?", answered from every source at once. */
describe('the timeline of one order across the services', () => {
  let deployment: Deployment;
  let notification: NotificationInstance;
  let order: ChildService;
  let orderBase = '';

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
    const env = deploymentEnv(deployment, {
      LOG_LEVEL: 'info',
      MONGO_DB: uniqueName('order'),
      ORDER_RESPONSE_WINDOW_SECONDS: '5',
    });
    order = new ChildService(process.execPath, [orderMain], { ...process.env, ...env }).start();
    const line = await waitFor(() => order.output.find((l) => l.includes('order listening')), {
      what: 'the order service to listen',
      timeoutMs: 50_000,
    }).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${order.tail()}`);
    });
    orderBase = `http://127.0.0.1:${(JSON.parse(String(line)) as { port: number }).port}`;
    notification = await new NotificationInstance(deployment).start({ ORDER_SERVICE_URL: orderBase });
  });

  afterAll(async () => {
    await order.kill('SIGTERM');
    await notification.stop();
    await deployment.gateway.stop();
  });

  test('shows the events, the ruling, each push try (a 503 then delivered) and what a consumer set aside', async () => {
    const customer = uniqueName('c');
    await notification.register(tokens.customer(customer), uniqueName('inst'));
    const store = await fetch(`${orderBase}/v1/stores/s-tl`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${tokens.admin()}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        merchantId: 'm-tl',
        name: 'Timeline Noodles',
        timeZone: 'Asia/Shanghai',
        hours: alwaysOpen,
        products: [{ productId: 'p-1', name: 'Beef noodles', price: 1800, available: true }],
      }),
    });
    expect(store.status).toBeLessThan(300);
    // The gateway is down for the first push, and takes everything after.
    deployment.gateway.answerNext({ status: 503, body: { error: 'unavailable' } });
    deployment.gateway.answerAlways(gorushOk);

    const placed = await fetch(`${orderBase}/v1/orders`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${tokens.customer(customer)}`,
        'content-type': 'application/json',
        'idempotency-key': uniqueName('key'),
      },
      body: JSON.stringify({
        merchantId: 'm-tl',
        storeId: 's-tl',
        currency: 'CNY',
        locale: 'en',
        lines: [{ productId: 'p-1', quantity: 1, unitPrice: 1800 }],
        delivery: { line: '1 Road', region: 'pudong', contactName: 'Li', contactPhone: '+86 138 0000 0000' },
      }),
    });
    expect(placed.status).toBe(201);
    const orderId = ((await placed.json()) as { order: { orderId: string } }).order.orderId;
    // A message of this order that no consumer can read: it lands in the dead-letter topic.
    const producer = new EventProducer(deployment.kafka);
    await producer.connect();
    await producer.forward([
      {
        topic: `${deployment.prefix}${Topics.orderEvents}`,
        key: orderId,
        value: '{not json',
        headers: { ce_type: 'order.placed', ce_id: uniqueName('bad') },
      },
    ]);
    await producer.disconnect();

    // An admin asks the notification service, which asks the order service and reads Kafka.
    const timeline = await waitFor(
      async () =>
        (await notification.call('GET', `/v1/admin/orders/${orderId}/timeline`, tokens.admin())).body as OrderTimeline,
      {
        what: 'the ruling, the delivered pushes and the dead letter in the timeline',
        timeoutMs: 40_000,
        until: (t) =>
          t.status === 'not_connected' &&
          t.entries.some((e) => e.source === 'dead-letter') &&
          (t.pushes[`customer:${customer}`]?.delivered ?? 0) >= 2,
      },
    );

    const lines = timeline.entries.map((e) => `${e.source} ${e.what}`);
    expect(timeline.unreadable).toEqual([]);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^event order\.placed on .*orderpulse\.order\.events$/),
        expect.stringMatching(/^event order\.status-changed on /),
        expect.stringMatching(/^state .*→ not_connected/),
        expect.stringMatching(new RegExp(`^push push to customer:${customer} try 1: retry \\(503\\)$`)),
        expect.stringMatching(new RegExp(`^push push to customer:${customer} try 2: delivered`)),
        expect.stringMatching(/^dead-letter order\.placed set aside by .*: /),
      ]),
    );
    // Oldest first: the order was placed before it was ruled.
    const placedAt = lines.findIndex((l) => l.startsWith('event order.placed'));
    const ruledAt = lines.findIndex((l) => /→ not_connected/.test(l));
    expect(placedAt).toBeLessThan(ruledAt);
    expect(formatTimeline(timeline)).toContain(`pushes to customer:${customer}:`);
    const text = await fetch(`${notification.base}/v1/admin/orders/${orderId}/timeline`, {
      headers: { authorization: `Bearer ${tokens.admin()}`, accept: 'text/plain' },
    });
    expect(text.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await text.text()).toContain(`order ${orderId} (not_connected)`);
  });

  test('only an admin reads the timeline', async () => {
    const denied = await notification.call('GET', '/v1/admin/orders/o-any/timeline', tokens.customer('c-1'));

    expect(denied.status).toBe(403);
    expect(denied.type).toMatch(/^application\/problem\+json/);
  });

  test('a service that does not answer is named, not silently left out', async () => {
    const timeline = await collectTimeline('o-missing', {
      kafka: deployment.kafka,
      topics: [`${deployment.prefix}${Topics.orderEvents}`],
      services: { order: 'http://127.0.0.1:9' },
      authorization: `Bearer ${tokens.admin()}`,
      timeoutMs: 2_000,
    });

    expect(timeline.unreadable).toEqual([expect.stringMatching(/^order service: /)]);
  });
});
