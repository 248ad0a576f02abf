import { waitFor } from '@orderpulse/testkit';

import type { OrderRepository } from '../src/data-access/order.repository';
import { OrderHarness, orderBody, tokens } from './support/order-harness';

// The service's broker is an address where nothing answers: Kafka is down for the whole test.
const h = new OrderHarness();

beforeAll(async () => {
  await h.start({ KAFKA_BROKERS: '127.0.0.1:1' });
  await h.putStore('s-1', { responseWindowSeconds: 120 });
});

afterAll(() => h.stop());

describe('while the broker is down', () => {
  test('the service is ready, places orders and takes the merchant’s answers; the events wait in the outbox', async () => {
    const ready = await h.call('GET', '/readyz', undefined);
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual({ mongo: 'ok', redis: 'ok' });

    const placed = await h.call('POST', '/v1/orders', tokens.customer('c-1'), orderBody());
    expect(placed.status).toBe(201);
    const { orderId } = placed.body.order as { orderId: string };
    const accepted = await h.call('POST', `/v1/orders/${orderId}/accept`, tokens.merchant(), {});
    expect(accepted.status).toBe(200);
    expect(accepted.body.order.status).toBe('accepted');

    const held = await waitFor(
      () => (h.service.ports.orders as unknown as OrderRepository).collection.findOne({ _id: orderId } as never),
      { what: 'the order document' },
    );
    expect(held?.outboxPending).toBe(true);
    expect((held?.outbox as unknown[]).length).toBeGreaterThanOrEqual(2);
    expect((await h.call('GET', '/healthz', undefined)).status).toBe(200);
  });
});
