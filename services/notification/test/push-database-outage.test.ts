import { type RecordedRequest, SlowLink, stackEnv, waitFor } from '@orderpulse/testkit';

import { type Deployment, gorushOk, newDeployment, NotificationInstance, OrderEvents, tokens } from './support/notification-harness';

const keyOf = (r: RecordedRequest) => String(r.headers['idempotency-key']);

describe('a database outage while the gateway answers a push', () => {
  const mongo = new URL(stackEnv().MONGO_URL);
  const link = new SlowLink({ host: mongo.hostname, port: Number(mongo.port) });
  let deployment: Deployment;
  let service: NotificationInstance;
  let events: OrderEvents;

  beforeAll(async () => {
    await link.start();
    deployment = await newDeployment();
    const url = new URL(stackEnv().MONGO_URL);
    url.port = String(link.port);
    service = await new NotificationInstance(deployment).start({ MONGO_URL: url.toString(), PUSH_BACKOFF_MS: '3000' });
    events = new OrderEvents(deployment);
  });

  afterAll(async () => {
    link.restore();
    await events.stop();
    await service.stop();
    await deployment.gateway.stop();
    await link.stop();
  });

  test('the answer the log could not take is written when the database returns, and the push is not sent again', async () => {
    await service.register(tokens.customer('c-outage'), 'phone-outage', { deviceToken: 'tok-outage' });
    // The gateway takes the push but holds its answer; meanwhile the database goes away.
    deployment.gateway.answerAlways(() => ({ status: 200, hold: true, body: { counts: 1, logs: [], success: 'ok' } }));
    const { orderId } = await events.placed({ customerId: 'c-outage' });
    await waitFor(() => deployment.gateway.holding, { what: 'the push at the gateway', until: (n) => n === 1 });
    link.cut();
    deployment.gateway.answerAlways(gorushOk);
    deployment.gateway.release();
    // The answer cannot be recorded while the database is down (the driver gives up after 5 s); then it returns.
    await waitFor(() => deployment.gateway.requests.every((r) => r.answered), { what: 'the held answer written' });
    const downSince = Date.now();
    await waitFor(() => Date.now() - downSince >= 6_000, { what: 'six seconds of a database outage', timeoutMs: 8_000, intervalMs: 200 });
    link.restore();

    const [delivery] = await waitFor(() => service.deliveries(`orderId=${orderId}`).catch(() => []), { what: 'the push delivered after the outage', timeoutMs: 30_000, until: (d) => d[0]?.status === 'delivered' });
    const calls = deployment.gateway.requests.filter((r) => r.path === '/api/push' && keyOf(r) === delivery.idempotencyKey);
    expect(calls).toHaveLength(1);
    expect((delivery.attempts as { attempt: number; outcome: string }[]).map((a) => [a.attempt, a.outcome])).toEqual([[1, 'delivered']]);
  });
});
