import { SlowLink, stackEnv, waitFor } from '@orderpulse/testkit';

import { OrderHarness, orderBody, tokens } from './support/order-harness';

const redis = new URL(stackEnv().REDIS_URL);
const link = new SlowLink({ host: redis.hostname, port: Number(redis.port) });
const h = new OrderHarness();

beforeAll(async () => {
  await link.start();
  const url = new URL(stackEnv().REDIS_URL);
  url.port = String(link.port);
  await h.start({ REDIS_URL: url.toString() });
  await h.putStore('s-1', { responseWindowSeconds: 60 });
});

afterAll(async () => {
  link.restore();
  await h.stop();
  await link.stop();
});

describe('Redis away while an order is placed', () => {
  test('the placement is answered 503 within seconds, not left hanging, and the same request placed again once Redis is back', async () => {
    const key = { 'Idempotency-Key': `redis-away-${Date.now()}` };
    link.cut();
    const started = Date.now();
    const refused = await h.call('POST', '/v1/orders', tokens.customer('c-away'), orderBody(), key);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ code: 'UNAVAILABLE' });
    link.restore();
    // The countdown's timer comes before the order is stored: nothing was stored, and the retry places it whole.
    // As a client would: again while the service's connections come back (503 meanwhile), until placed.
    const placed = await waitFor(
      async () => {
        const res = await h.call('POST', '/v1/orders', tokens.customer('c-away'), orderBody(), key);
        if (res.status !== 503) return res;
        return undefined;
      },
      { what: 'the placement once Redis is back' },
    );
    expect(placed!.status).toBe(201);
    expect(placed!.body.order).toMatchObject({ status: 'new', version: 1 });
  });
});
