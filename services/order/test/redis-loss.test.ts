import { stackEnv, waitFor } from '@orderpulse/testkit';
import { Redis } from 'ioredis';

import { OrderHarness, orderBody, tokens } from './support/order-harness';

const h = new OrderHarness();
const redis = new Redis(stackEnv().REDIS_URL);

beforeAll(async () => {
  // A pass an hour apart: only the epoch marker can bring the timers back within the test.
  await h.start({ ORDER_RECONCILE_INTERVAL_SECONDS: '3600' });
  await h.putStore('s-1', { responseWindowSeconds: 300 });
});

afterAll(async () => {
  redis.disconnect();
  await h.stop();
});

describe('when Redis is emptied', () => {
  test('the reconciler notices within seconds (its epoch marker is gone) and gives pending orders their timers back', async () => {
    const placed = await h.call('POST', '/v1/orders', tokens.customer('c-1'), orderBody());
    expect(placed.status).toBe(201);
    const timer = `${h.queuePrefix}:order-response-deadline:response-deadline.${placed.body.order.orderId as string}`;
    await waitFor(async () => (await redis.exists(timer)) === 1, { what: 'the timer' });
    // The marker is written by the first check, a few seconds after start.
    await waitFor(async () => (await redis.keys(`${h.queuePrefix}:epoch:*`)).length === 1, {
      what: 'the epoch marker',
      timeoutMs: 15_000,
    });

    const keys = await redis.keys(`${h.queuePrefix}:*`);
    await redis.del(...keys);
    expect(await redis.exists(timer)).toBe(0);

    await waitFor(async () => (await redis.exists(timer)) === 1, {
      what: 'the timer back without anyone asking',
      timeoutMs: 20_000,
    });
  });
});
