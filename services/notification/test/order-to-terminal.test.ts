import { join } from 'node:path';

import { Topics } from '@orderpulse/contracts';
import { applyTopics, plannedTopics } from '@orderpulse/kafka';
import { ChildService, uniqueName, waitFor } from '@orderpulse/testkit';

import {
  type Deployment,
  deploymentEnv,
  newDeployment,
  NotificationInstance,
  SocketClient,
  StreamClient,
  tokens,
} from './support/notification-harness';

const orderMain = join(__dirname, '..', '..', 'order', 'dist', 'main.js');
const alwaysOpen = Object.fromEntries(['0', '1', '2', '3', '4', '5', '6'].map((d) => [d, ['00:00-24:00']]));

/** The order service and the notification service together: what a merchant terminal sees of a new order. */
describe('from the order service to the terminals', () => {
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
    notification = await new NotificationInstance(deployment).start();
    const env = deploymentEnv(deployment, {
      LOG_LEVEL: 'info',
      MONGO_DB: uniqueName('order'),
      ORDER_RESPONSE_WINDOW_SECONDS: '5',
    });
    order = new ChildService(process.execPath, [orderMain], { ...process.env, ...env }).start();
    const line = await waitFor(() => order.output.find((l) => l.includes('order listening')), {
      what: 'the order service to listen',
      timeoutMs: 60_000,
    });
    orderBase = `http://127.0.0.1:${(JSON.parse(String(line)) as { port: number }).port}`;
  });

  afterAll(async () => {
    await order.kill('SIGTERM');
    await notification.stop();
    await deployment.gateway.stop();
  });

  test('a placed order reaches the merchant socket at once with the deadline; the adjudication reaches the customer stream', async () => {
    const put = await fetch(`${orderBase}/v1/stores/s-e2e`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${tokens.admin()}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        merchantId: 'm-e2e',
        name: 'Noodle House',
        timeZone: 'Asia/Shanghai',
        hours: alwaysOpen,
        products: [{ productId: 'p-noodles', name: 'Beef noodles', price: 1800, available: true }],
      }),
    });
    expect(put.status).toBeLessThan(300);
    const socket = await SocketClient.open(notification.base, tokens.merchant('m-e2e', 'clerk-1'));
    const stream = await StreamClient.open(notification.base, tokens.customer('c-e2e'));

    const placed = await fetch(`${orderBase}/v1/orders`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${tokens.customer('c-e2e')}`,
        'content-type': 'application/json',
        'idempotency-key': uniqueName('key'),
      },
      body: JSON.stringify({
        merchantId: 'm-e2e',
        storeId: 's-e2e',
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
    const created = (await placed.json()) as { order: { orderId: string }; countdown: { deadline: string } };
    const orderId = created.order.orderId;

    const [newOrder] = await waitFor(() => socket.notifications(), {
      what: 'the new order on the merchant socket',
      until: (f) => f.length >= 1,
    });
    expect(newOrder?.message).toMatchObject({
      orderId,
      eventType: 'order.placed',
      status: 'new',
      category: 'new_order',
    });
    expect((newOrder?.message?.countdown as { deadline: string }).deadline).toBe(created.countdown.deadline);

    // Nobody at the merchant fetches it, so at the deadline it is settled as not_connected, and both hear of it.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const outcome = await waitFor(() => stream.notifications().find((n: any) => n.message.status === 'not_connected'), {
      what: 'the adjudication on the customer stream',
      timeoutMs: 30_000,
    });
    expect(outcome.message).toMatchObject({ orderId, eventType: 'order.status-changed', category: 'order_outcome' });
    const closed = await waitFor(() => socket.notifications(), {
      what: 'the closed order on the merchant socket',
      until: (f) => f.length >= 2,
    });
    expect(closed[1]?.message).toMatchObject({ orderId, status: 'not_connected' });
    socket.close();
    stream.close();
  });
});
