import { type RecordedRequest, SlowLink, stackEnv, waitFor } from '@orderpulse/testkit';
import { Redis } from 'ioredis';

import {
  type Deployment,
  gorushOk,
  losePushQueue,
  newDeployment,
  NotificationInstance,
  OrderEvents,
  tokens,
} from './support/notification-harness';

const keyOf = (r: RecordedRequest) => String(r.headers['idempotency-key']);

describe('a database outage while the gateway answers a push', () => {
  const mongo = new URL(stackEnv().MONGO_URL);
  const link = new SlowLink({ host: mongo.hostname, port: Number(mongo.port) });
  let deployment: Deployment;
  let service: NotificationInstance;
  let events: OrderEvents;
  let redis: Redis;

  beforeAll(async () => {
    redis = new Redis(stackEnv().REDIS_URL, { maxRetriesPerRequest: null });
    await link.start();
    deployment = await newDeployment();
    const url = new URL(stackEnv().MONGO_URL);
    url.port = String(link.port);
    // The push reconciler looks every second, so a push it took for lost would be sent again within the test.
    service = await new NotificationInstance(deployment).start({
      MONGO_URL: url.toString(),
      PUSH_BACKOFF_MS: '3000',
      PUSH_RECONCILE_SECONDS: '1',
    });
    events = new OrderEvents(deployment);
  });

  afterAll(async () => {
    link.restore();
    await events.stop();
    await service.stop();
    await deployment.gateway.stop();
    await link.stop();
    redis.disconnect();
  });

  /** A push the gateway answers just as the database goes away; resolves once the answer could not be written for six seconds. */
  async function answerDuringOutage(customerId: string): Promise<string> {
    await service.register(tokens.customer(customerId), `phone-${customerId}`, { deviceToken: `tok-${customerId}` });
    // The gateway takes the push but holds its answer; meanwhile the database goes away.
    deployment.gateway.answerAlways(() => ({ status: 200, hold: true, body: { counts: 1, logs: [], success: 'ok' } }));
    const { orderId } = await events.placed({ customerId });
    await waitFor(() => deployment.gateway.holding, { what: 'the push at the gateway', until: (n) => n === 1 });
    link.cut();
    deployment.gateway.answerAlways(gorushOk);
    deployment.gateway.release();
    // The answer cannot be recorded while the database is down (the driver gives up after 5 s).
    await waitFor(() => deployment.gateway.requests.every((r) => r.answered), { what: 'the held answer written' });
    const downSince = Date.now();
    await waitFor(() => Date.now() - downSince >= 6_000, {
      what: 'six seconds of a database outage',
      timeoutMs: 8_000,
      intervalMs: 200,
    });
    return orderId;
  }

  async function expectSentOnce(orderId: string): Promise<void> {
    const [delivery] = await waitFor(() => service.deliveries(`orderId=${orderId}`).catch(() => []), {
      what: 'the push delivered after the outage',
      timeoutMs: 30_000,
      until: (d) => d[0]?.status === 'delivered',
    });
    const calls = deployment.gateway.requests.filter(
      (r) => r.path === '/api/push' && keyOf(r) === delivery.idempotencyKey,
    );
    expect(calls).toHaveLength(1);
    expect((delivery.attempts as { attempt: number; outcome: string }[]).map((a) => [a.attempt, a.outcome])).toEqual([
      [1, 'delivered'],
    ]);
    // Two reconciler passes after the answer was written (a push found sending is queued again on its second sighting): neither queues it.
    for (const pass of [1, 2])
      expect([pass, (await service.service.pushReconciler.runNow()).requeued]).toEqual([pass, 0]);
    expect(
      deployment.gateway.requests.filter((r) => r.path === '/api/push' && keyOf(r) === delivery.idempotencyKey),
    ).toHaveLength(1);
  }

  test('the answer the log could not take is written when the database returns, and the push is not sent again', async () => {
    const orderId = await answerDuringOutage('c-outage');
    link.restore();
    await expectSentOnce(orderId);
  });

  test('an answer held through the outage outlives a Redis loss during it: the push is still sent once', async () => {
    const orderId = await answerDuringOutage('c-outage-redis');
    // Redis loses the push queue — the job and anything saved with it — while the database is still away.
    await losePushQueue(redis, deployment);
    link.restore();
    await expectSentOnce(orderId);
  });
});
