import { GetObjectCommand } from '@aws-sdk/client-s3';
import {
  createEnvelope,
  deadLetterTopic,
  encodeEnvelope,
  exampleSnapshot,
  OrderPlaced,
  shortOrderNumber,
  Topics,
} from '@orderpulse/contracts';
import { uniqueName, waitFor } from '@orderpulse/testkit';
import type { KafkaMessage } from 'kafkajs';
import sharp from 'sharp';

import { dueJobId } from '../src/domain/order-media';
import {
  type Deployment,
  fetchBytes,
  keysUnder,
  MediaEvents,
  MediaInstance,
  newDeployment,
  OrderEvents,
  tokens,
} from './support/media-harness';

/** Synthesized images for the statuses that get one, their storage and their readers. */
describe('synthesized images for order statuses', () => {
  let deployment: Deployment;
  let media: MediaInstance;
  let orders: OrderEvents;
  let events: MediaEvents;

  beforeAll(async () => {
    deployment = await newDeployment();
    media = await new MediaInstance(deployment).start();
    orders = new OrderEvents(deployment);
    events = await new MediaEvents(deployment).start();
  });

  afterAll(async () => {
    await events.stop();
    await orders.stop();
    await media.stop();
    deployment.s3.destroy();
  });

  async function svgOf(orderId: string, status: string): Promise<string> {
    const key = (await keysUnder(deployment, `media/${orderId}/${status}/`)).find((k) => k.endsWith('.svg'));
    const got = await deployment.s3.send(new GetObjectCommand({ Bucket: deployment.bucket, Key: key }));
    return (await got.Body?.transformToString('utf-8')) ?? '';
  }

  test('a placed order gets a synthesized PNG: it decodes, has ink where the order number is written, and its SVG names the order number, status and store', async () => {
    const order = await orders.placed({ storeName: 'Noodle House <Pudong>' });
    const event = await events.next(order.orderId, 'new');
    expect(event.data).toMatchObject({
      source: 'synthesized',
      fallback: false,
      contentType: 'image/png',
      width: 960,
      height: 540,
      customerId: 'c-1',
      locale: 'en',
      href: `/v1/orders/${order.orderId}/media/new`,
    });

    const png = await fetchBytes(event.data.image.url);
    expect(png.status).toBe(200);
    const image = sharp(png.bytes);
    expect(await image.metadata()).toMatchObject({ format: 'png', width: 960, height: 540 });
    // The order-number line (y 255–310) has dark glyph pixels; the empty band below the footer has none.
    const band = async (region: { left: number; top: number; width: number; height: number }) =>
      sharp(await sharp(png.bytes).extract(region).greyscale().toBuffer()).stats();
    const textBand = await band({ left: 48, top: 255, width: 500, height: 55 });
    const blankBand = await band({ left: 600, top: 160, width: 300, height: 40 });
    expect(textBand.channels[0]!.min).toBeLessThan(100);
    expect(blankBand.channels[0]!.min).toBeGreaterThan(200);

    const svg = await svgOf(order.orderId, 'new');
    expect(svg).toContain(`data-field="order-no">Order ${shortOrderNumber(order.orderId)}</text>`);
    expect(svg).toContain('data-field="status">Order paid</text>');
    expect(svg).toContain('Noodle House &lt;Pudong&gt;');
    expect(svg).not.toContain('<Pudong>');
  });

  test('a store name with a control character (Noodle\\bBar, from before the door refused it) still gets its image at once: the character is dropped, not rendered', async () => {
    const order = await orders.placed({ storeName: 'Noodle\bBar\u0000\uFFFE' });
    const event = await events.next(order.orderId, 'new');
    expect(event.data).toMatchObject({ source: 'synthesized', fallback: false, contentType: 'image/png' });
    const svg = await svgOf(order.orderId, 'new');
    expect(svg).toContain('data-field="store">NoodleBar</text>');
  });

  test('a zh-CN order gets its card in Chinese, with the time and the expected delivery in the stores’ time zone', async () => {
    const placed = await orders.placed({ locale: 'zh-CN', storeName: '兰州拉面' });
    const expected = '2026-11-21T11:45:00.000Z';
    const order = await orders.moved(await orders.moved(placed, 'accepted'), 'rider_took', {
      expectedDeliveryAt: expected,
    });
    await events.next(order.orderId, 'rider_took');
    const svg = await svgOf(order.orderId, 'rider_took');
    expect(svg).toContain('lang="zh-CN"');
    expect(svg).toContain('data-field="status">骑手已接单</text>');
    expect(svg).toContain(`订单 ${shortOrderNumber(order.orderId)}`);
    expect(svg).toContain('兰州拉面');
    // 11:45 UTC is 19:45 in Shanghai.
    expect(svg).toMatch(/data-field="expected-delivery">预计送达 .*19:45<\/text>/);
  });

  test('a redelivered order event attaches nothing twice', async () => {
    const placed = await orders.placed();
    const { eventId, ...data } = placed;
    await orders.publish(OrderPlaced, data, eventId);
    await events.next(placed.orderId, 'new');
    await orders.moved(placed, 'dispatched');
    await events.next(placed.orderId, 'dispatched');
    expect(events.of(placed.orderId, 'new')).toHaveLength(1);
  });

  test('a timer Redis lost is re-created by the reconciler', async () => {
    const order = await orders.moved(await orders.placed(), 'accepted');
    const id = dueJobId(order.orderId, 'accepted');
    const { timers } = media.service;
    await waitFor(() => timers.has(id), { what: 'the due timer to be scheduled' });
    expect(await timers.cancel(id)).toBe(true);
    expect(await timers.has(id)).toBe(false);
    // A due pass leaves what is not yet due to its timer, or to a rebuild; a pass over all puts it back.
    expect((await media.service.reconcile('due')).rescheduled).toBe(0);
    expect(await timers.has(id)).toBe(false);
    const report = await media.service.reconcile();
    expect(report.rescheduled).toBeGreaterThanOrEqual(1);
    expect(await timers.has(id)).toBe(true);
  });

  test("the order's customer reads fresh short-lived links; another customer is refused, an unknown order is 404", async () => {
    const order = await orders.placed();
    await events.next(order.orderId, 'new');
    const own = await media.call('GET', `/v1/orders/${order.orderId}/media`, tokens.customer('c-1'));
    expect(own.status).toBe(200);
    expect(own.body.media).toEqual([
      expect.objectContaining({ status: 'new', kind: 'synthesized', state: 'attached' }),
    ]);
    const [first] = own.body.media;
    expect(Date.parse(first.media.expiresAt) - Date.now()).toBeLessThanOrEqual(300_000);
    expect((await fetchBytes(first.media.thumbnailUrl)).status).toBe(200);
    const other = await media.call('GET', `/v1/orders/${order.orderId}/media`, tokens.customer('c-2'));
    expect([other.status, other.type.split(';')[0]]).toEqual([403, 'application/problem+json']);
    const unknown = await media.call('GET', '/v1/orders/no_such_order/media', tokens.customer('c-1'));
    expect(unknown.status).toBe(404);
  });

  test('a malformed or invalid order event goes to the dead-letter topic with its reason, and the next event still gets its image', async () => {
    const dlq: KafkaMessage[] = [];
    const reader = deployment.kafka.kafka.consumer({ groupId: uniqueName('dlq-reader') });
    await reader.connect();
    await reader.subscribe({
      topic: deadLetterTopic(`${deployment.prefix}${Topics.orderEvents}`),
      fromBeginning: true,
    });
    await reader.run({ eachMessage: async ({ message }) => void dlq.push(message) });
    try {
      const wireOf = (subject: string, data: unknown) =>
        encodeEnvelope(
          createEnvelope({ type: OrderPlaced.type, version: OrderPlaced.version, source: 'test', subject, data }),
        );
      const notJson = wireOf('ord-not-json', {});
      await orders.raw('ord-not-json', '{ not json', notJson.headers);
      const invalid = wireOf('ord-invalid', { ...exampleSnapshot, orderId: 'ord-invalid', status: 'teleported' });
      await orders.raw('ord-invalid', invalid.value, invalid.headers);
      const good = await orders.placed();
      await events.next(good.orderId, 'new');
      const dead = await waitFor(() => dlq, { what: 'two dead letters', until: (m) => m.length >= 2 });
      const reasons = dead.map((m) => m.headers?.['x-dlq-reason']?.toString() ?? '');
      expect(reasons.some((r) => /json|decode|parse/i.test(r))).toBe(true);
      expect(reasons.some((r) => r.includes('status'))).toBe(true);
    } finally {
      await reader.disconnect();
    }
  });

  test('readiness checks the bucket along with MongoDB and Redis, not Kafka (the outbox holds events), and shows the consumer', async () => {
    const ready = await media.call('GET', '/readyz', undefined);
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual({ mongo: 'ok', redis: 'ok', s3: 'ok' });
    expect(
      Object.values(ready.body.details.consumers as Record<string, { state: string }>).map((c) => c.state),
    ).toEqual(['running']);
  });
});
