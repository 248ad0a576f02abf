import { OrderPlaced } from '@orderpulse/contracts';
import { TimerQueue } from '@orderpulse/jobs';
import { type RecordedRequest, stackEnv, waitFor } from '@orderpulse/testkit';
import { Redis } from 'ioredis';
import mongoose from 'mongoose';

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
const callsFor = (gateway: Deployment['gateway'], key: string) =>
  gateway.requests.filter((r) => r.path === '/api/push' && keyOf(r) === key);

describe('pushes outlive Redis: the push log decides what is sent', () => {
  let deployment: Deployment;
  let service: NotificationInstance;
  let events: OrderEvents;
  let redis: Redis;
  let queue: TimerQueue<object>;

  beforeAll(async () => {
    deployment = await newDeployment();
    // A refused push waits a minute before its retry, so that retry lives only in Redis; the reconciler looks every second.
    service = await new NotificationInstance(deployment).start({
      PUSH_BACKOFF_MS: '60000',
      PUSH_RECONCILE_SECONDS: '1',
    });
    events = new OrderEvents(deployment);
    redis = new Redis(stackEnv().REDIS_URL, { maxRetriesPerRequest: null });
    queue = new TimerQueue('push', { connection: redis, prefix: deployment.queuePrefix });
  });

  afterAll(async () => {
    await events.stop();
    await service.stop();
    await queue.close();
    redis.disconnect();
    await deployment.gateway.stop();
  });

  beforeEach(() => deployment.gateway.answerAlways(gorushOk));

  test('when Redis loses the queued retries, every pending push is queued again and the gateway takes each exactly once', async () => {
    const customers = ['c-lost-1', 'c-lost-2', 'c-lost-3'];
    for (const c of customers) await service.register(tokens.customer(c), `phone-${c}`, { deviceToken: `tok-${c}` });
    deployment.gateway.answerAlways(() => ({ status: 503, body: { error: 'busy' } }));
    const orders = await Promise.all(customers.map((c) => events.placed({ customerId: c })));
    const pending = async () =>
      (await Promise.all(orders.map((o) => service.deliveries(`orderId=${o.orderId}`)))).flat();
    const refused = await waitFor(pending, {
      what: 'every push refused once and waiting for its retry',
      until: (d) => d.length === 3 && d.every((x) => x.status === 'pending' && x.attempts.length === 1),
    });

    deployment.gateway.answerAlways(gorushOk);
    expect(await losePushQueue(redis, deployment)).toBeGreaterThan(0);

    const log = await waitFor(pending, {
      what: 'every push delivered after the loss',
      timeoutMs: 20_000,
      until: (d) => d.length === 3 && d.every((x) => x.status === 'delivered'),
    });
    for (const delivery of log) {
      const calls = callsFor(deployment.gateway, delivery.idempotencyKey);
      expect(calls.map((c) => c.answered)).toEqual([true, true]);
      expect((delivery.attempts as { outcome: string }[]).map((a) => a.outcome)).toEqual(['retry', 'delivered']);
    }
    expect(log.map((d) => d.idempotencyKey).sort()).toEqual(refused.map((d) => d.idempotencyKey).sort());
  });

  test('a redelivered event whose finished push job Redis no longer keeps is neither pushed nor queued again', async () => {
    await service.register(tokens.customer('c-again'), 'phone-again', { deviceToken: 'tok-again' });
    const { orderId, eventId, data } = await events.placed({ customerId: 'c-again' });
    const [first] = await waitFor(() => service.deliveries(`orderId=${orderId}`), {
      what: 'the first push delivered',
      until: (d) => d[0]?.status === 'delivered',
    });
    // Completed jobs are kept only a while; here the push job is gone as it will be once its time is up.
    await losePushQueue(redis, deployment);
    expect(await queue.has(`push.${first.idempotencyKey}`)).toBe(false);

    await events.publish(OrderPlaced, data, eventId);
    await service.register(tokens.customer('c-again-later'), 'phone-again-later', { deviceToken: 'tok-again-later' });
    const later = await events.placed({ customerId: 'c-again-later' });
    await waitFor(() => service.deliveries(`orderId=${later.orderId}`), {
      what: 'a later event delivered, so the redelivery was handled',
      until: (d) => d[0]?.status === 'delivered',
    });

    expect(callsFor(deployment.gateway, first.idempotencyKey)).toHaveLength(1);
    expect(await queue.has(`push.${first.idempotencyKey}`)).toBe(false);
    const [after] = await service.deliveries(`orderId=${orderId}`);
    expect(after.attempts).toHaveLength(1);
  });
});

describe('a push its sender claimed and never answered', () => {
  let deployment: Deployment;
  let service: NotificationInstance;
  let events: OrderEvents;
  let redis: Redis;
  let database: mongoose.Connection;

  beforeAll(async () => {
    deployment = await newDeployment();
    // Passes only when the test asks (after the one at start); a refused push waits a minute for its retry.
    service = await new NotificationInstance(deployment).start({
      PUSH_BACKOFF_MS: '60000',
      PUSH_RECONCILE_SECONDS: '3600',
    });
    events = new OrderEvents(deployment);
    redis = new Redis(stackEnv().REDIS_URL, { maxRetriesPerRequest: null });
    database = await mongoose.createConnection(stackEnv().MONGO_URL, { dbName: deployment.db }).asPromise();
  });

  afterAll(async () => {
    await database.close();
    await events.stop();
    await service.stop();
    redis.disconnect();
    await deployment.gateway.stop();
  });

  test('is queued again only once the reconciler has seen it sending for longer than the push timeout (its sender may still be about to write the answer), and sent once more', async () => {
    await service.register(tokens.customer('c-claimed'), 'phone-claimed', { deviceToken: 'tok-claimed' });
    deployment.gateway.answerAlways(() => ({ status: 503, body: { error: 'busy' } }));
    const { orderId } = await events.placed({ customerId: 'c-claimed' });
    const [refused] = await waitFor(() => service.deliveries(`orderId=${orderId}`), {
      what: 'the push refused once',
      until: (d) => d[0]?.status === 'pending' && d[0].attempts.length === 1,
    });
    // Its retry was claimed a minute ago by a sender that then died; Redis lost the job too.
    const claimedAt = new Date(Date.now() - 60_000);
    await database.collection('deliveries').updateOne({ _id: refused.idempotencyKey }, {
      $set: { status: 'sending', updatedAt: claimedAt },
      $push: { attempts: { attempt: 2, at: claimedAt, outcome: 'sending', ms: 0 } },
    } as never);
    await losePushQueue(redis, deployment);
    deployment.gateway.answerAlways(gorushOk);

    const firstSeen = Date.now();
    expect((await service.service.pushReconciler.runNow()).requeued).toBe(0);
    expect((await service.service.pushReconciler.runNow()).requeued).toBe(0);
    expect(callsFor(deployment.gateway, refused.idempotencyKey)).toHaveLength(1);
    await waitFor(() => service.service.pushReconciler.runNow(), {
      what: 'the push queued again',
      timeoutMs: 15_000,
      until: (report) => report.requeued === 1,
    });
    // The test's instance waits 2 s for a gateway answer (PUSH_TIMEOUT_MS), plus 2 s in flight.
    expect(Date.now() - firstSeen).toBeGreaterThanOrEqual(4_000);
    const [delivered] = await waitFor(() => service.deliveries(`orderId=${orderId}`), {
      what: 'the push delivered',
      until: (d) => d[0]?.status === 'delivered',
    });
    expect((delivered.attempts as { outcome: string }[]).map((a) => a.outcome)).toEqual([
      'retry',
      'unknown',
      'delivered',
    ]);
    expect(callsFor(deployment.gateway, refused.idempotencyKey)).toHaveLength(2);
  });
});
