import { Topics } from '@orderpulse/contracts';
import { EventProducer } from '@orderpulse/kafka';
import { waitFor } from '@orderpulse/testkit';

import type { OrderRepository } from '../src/data-access/order.repository';
import { OrderHarness } from './support/order-harness';

/** The operational figures SRE alert on, read from the order service's /metrics as Prometheus would. */
describe('the order service /metrics', () => {
  const harness = new OrderHarness();
  let producer: EventProducer;

  beforeAll(async () => {
    await harness.start({ ORDER_RECONCILE_INTERVAL_SECONDS: '3600' });
    producer = new EventProducer(harness.kafka);
    await producer.connect();
  });

  afterAll(async () => {
    await producer.disconnect();
    await harness.stop();
  });

  // The wiring hands the use cases an OrderRepository; the test writes around it, as a stuck relay or a lost timer would leave things.
  const orders = () => (harness.service.ports.orders as OrderRepository).collection;
  const scrape = async () => (await fetch(`${harness.base}/metrics`)).text();
  const value = (text: string, series: string) => {
    const line = text.split('\n').find((l) => l.startsWith(series));
    return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
  };

  test('a dead-lettered storefront message shows in the DLQ count, and the intake group has committed past it', async () => {
    const topic = harness.topic(Topics.storefrontOrders);
    await producer.forward([{ topic, key: 'k-1', value: 'not a cloud event', headers: {} }]);
    const text = await waitFor(scrape, {
      what: 'kafka_dlq_messages for the storefront topic',
      timeoutMs: 45_000,
      until: (t) => value(t, `kafka_dlq_messages{topic="${topic}",service="order"}`) === 1,
    });
    const group = `${harness.prefix}orderpulse.order.storefront-intake`;
    const lags = text
      .split('\n')
      .filter((l) => l.startsWith(`kafka_consumergroup_lag{group="${group}",topic="${topic}"`));
    expect(lags.length).toBeGreaterThan(0);
    expect(lags.every((l) => l.endsWith(' 0'))).toBe(true);
  });

  test('an outbox entry nobody relays shows as backlog with its age', async () => {
    const hourAgo = new Date(Date.now() - 3_600_000);
    // Held under a lease far in the future, as by a relay that hangs: nothing will publish it.
    await orders().insertOne({
      _id: 'o-stuck-outbox',
      outboxLeaseUntil: new Date(Date.now() + 86_400_000),
      outbox: [
        {
          id: 'e-stuck',
          topic: harness.topic(Topics.orderEvents),
          event: { id: 'e-stuck', time: hourAgo.toISOString() },
        },
      ],
    });
    const text = await scrape();
    expect(value(text, 'outbox_pending_events{collection="orders",service="order"}')).toBe(1);
    expect(value(text, 'outbox_oldest_event_age_seconds{collection="orders",service="order"}')).toBeGreaterThanOrEqual(
      3_600,
    );
  });

  test('an order past its response deadline and not ruled shows as overdue', async () => {
    await orders().insertOne({
      _id: 'o-overdue',
      status: 'new',
      responseDeadline: new Date(Date.now() - 600_000),
      version: 1,
    });
    const text = await scrape();
    expect(value(text, 'order_rulings_overdue{service="order"}')).toBe(1);
    expect(value(text, 'order_ruling_overdue_seconds{service="order"}')).toBeGreaterThanOrEqual(600);
    expect(value(text, 'timers_pending{queue="order-response-deadline",service="order"}')).toBeGreaterThanOrEqual(0);
  });
});
