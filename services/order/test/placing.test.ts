import { newEvent, StorefrontOrderPlaced, Topics, deadLetterTopic } from '@orderpulse/contracts';
import { DeadLetterHeader, EventProducer } from '@orderpulse/kafka';
import { waitFor } from '@orderpulse/testkit';

import { storefrontOrderId } from '../src/domain/placement';
import { alwaysOpen, OrderHarness, orderBody, tokens } from './support/order-harness';

const h = new OrderHarness();
const producer = new EventProducer(h.kafka);

beforeAll(async () => {
  await h.start();
  await h.putStore('s-1', { responseWindowSeconds: 120 });
  await h.putStore('s-paused', { paused: true });
  await producer.connect();
});

afterAll(async () => {
  await producer.disconnect();
  await h.stop();
});

describe('placing an order', () => {
  test('a customer reads the store’s menu; an unknown store is a 404 problem', async () => {
    const res = await h.call('GET', '/v1/stores/s-1', tokens.customer('c-1'));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ storeId: 's-1', merchantId: 'm-1', responseWindowSeconds: 120 });
    expect((res.body as { products: { productId: string }[] }).products.map((p) => p.productId)).toContain('p-noodles');
    const missing = await h.call('GET', '/v1/stores/s-none', tokens.customer('c-1'));
    expect(missing.status).toBe(404);
    expect(missing.type).toContain('application/problem+json');
  });

  test('a store or product name holding a control character (Noodle\\bBar) is refused at the door with a 400 problem naming the field', async () => {
    const store = (name: string, productName = 'Noodles') =>
      h.call('PUT', '/v1/stores/s-control', tokens.admin(), {
        merchantId: 'm-1',
        name,
        timeZone: 'Asia/Shanghai',
        hours: alwaysOpen,
        products: [{ productId: 'p-1', name: productName, price: 100, available: true }],
      });
    for (const [name, productName, field] of [
      ['Noodle\bBar', 'Noodles', 'name'],
      ['Noodle Bar', 'Nood\u0000les', 'products.0.name'],
      ['Noodle\uD800Bar', 'Noodles', 'name'],
    ] as const) {
      const refused = await store(name, productName);
      expect(refused.status).toBe(400);
      expect(refused.type).toContain('application/problem+json');
      expect((refused.body as { errors: { path: string }[] }).errors.map((e) => e.path)).toEqual([field]);
    }
    expect((await store('Noodle Bar 面馆')).status).toBeLessThan(300);
  });

  test('a valid order becomes new with an absolute deadline and the server clock, and its event is published', async () => {
    const before = Date.now();
    const res = await h.call('POST', '/v1/orders', tokens.customer('c-1'), orderBody());
    expect(res.status).toBe(201);
    const { order, countdown } = res.body;
    expect(order).toMatchObject({ status: 'new', version: 1, total: 3600, customerId: 'c-1', answered: false });
    const deadline = Date.parse(countdown.deadline);
    expect(deadline - Date.parse(order.placedAt)).toBe(120_000);
    expect(Date.parse(countdown.serverTime)).toBeGreaterThanOrEqual(before);
    expect(countdown.remainingMs).toBeLessThanOrEqual(120_000);

    const placed = await h.waitForEvent(order.orderId, 'order.placed');
    expect(placed.data).toMatchObject({
      orderId: order.orderId,
      status: 'new',
      storeName: 'Noodle House',
      countdown: { deadline: countdown.deadline },
    });
  });

  test('an order keeps each dish’s name and price as they were when it was placed, in its answers and events, whatever the store renames later', async () => {
    await h.putStore('s-rename', {});
    const res = await h.call('POST', '/v1/orders', tokens.customer('c-names'), orderBody({ storeId: 's-rename' }));
    expect(res.status).toBe(201);
    const { orderId } = res.body.order;
    const asPlaced = [{ productId: 'p-noodles', name: 'Beef noodles', quantity: 2, unitPrice: 1800 }];
    expect(res.body.order.lines).toEqual(asPlaced);
    expect((await h.waitForEvent(orderId, 'order.placed')).data.lines).toEqual(asPlaced);
    await h.putStore('s-rename', {
      products: [{ productId: 'p-noodles', name: 'Spicy beef noodles', price: 2000, available: true }],
    });
    const later = await h.call('GET', `/v1/orders/${orderId}`, tokens.customer('c-names'));
    expect(later.body.order.lines).toEqual(asPlaced);
  });

  test('the same Idempotency-Key places one order', async () => {
    const headers = { 'idempotency-key': 'tap-tap-0001' };
    const first = await h.call('POST', '/v1/orders', tokens.customer('c-2'), orderBody(), headers);
    const second = await h.call('POST', '/v1/orders', tokens.customer('c-2'), orderBody(), headers);
    expect([first.status, second.status]).toEqual([201, 200]);
    expect(second.body.order.orderId).toBe(first.body.order.orderId);
  });

  test.each([
    ['an unknown store', { storeId: 's-none' }, 'merchant_identity'],
    ['a store of another merchant', { merchantId: 'm-2' }, 'merchant_identity'],
    ['a paused store', { storeId: 's-paused' }, 'store_open'],
    [
      'a product the store does not sell',
      { lines: [{ productId: 'p-sushi', quantity: 1, unitPrice: 100 }] },
      'product_exists',
    ],
    [
      'an unavailable product',
      { lines: [{ productId: 'p-dumplings', quantity: 1, unitPrice: 1200 }] },
      'product_available',
    ],
    ['a stale price', { lines: [{ productId: 'p-noodles', quantity: 1, unitPrice: 1500 }] }, 'product_price'],
  ])('%s is refused with a 422 naming the check, and an event saying why', async (_name, override, check) => {
    const res = await h.call('POST', '/v1/orders', tokens.customer('c-3'), orderBody(override));
    expect(res.status).toBe(422);
    expect(res.type).toContain('application/problem+json');
    expect(res.body).toMatchObject({ code: 'UNPROCESSABLE', check });
    const refused = await h.waitForEvent(res.body.orderId, 'order.refused');
    expect(refused.data).toMatchObject({ check, reason: res.body.detail });
  });

  test.each([
    ['malformed JSON', '{"merchantId":'],
    ['no lines', orderBody({ lines: [] })],
    ['a negative quantity', orderBody({ lines: [{ productId: 'p-noodles', quantity: -1, unitPrice: 1800 }] })],
    ['an unknown locale', orderBody({ locale: 'fr' })],
  ])('%s is refused with a 400 problem, not a 5xx', async (_name, body) => {
    const res = await h.call('POST', '/v1/orders', tokens.customer(), body);
    expect(res.status).toBe(400);
    expect(res.type).toContain('application/problem+json');
  });

  test('only customers place orders', async () => {
    expect((await h.call('POST', '/v1/orders', tokens.merchant(), orderBody())).status).toBe(403);
    expect((await h.call('POST', '/v1/orders', undefined, orderBody())).status).toBe(401);
  });
});

describe('a store’s menu', () => {
  const longName = (i: number) =>
    `${String(i).padStart(3, '0')} ${'slow-braised beef noodles with pickled greens, '.repeat(3)}`.slice(0, 120);
  const menu = (count: number) =>
    Array.from({ length: count }, (_, i) => ({
      productId: `p-${String(i).padStart(4, '0')}-${'x'.repeat(50)}`,
      name: longName(i),
      price: 1_800 + i,
      available: true,
    }));

  test('of 400 products with long names is kept (its body is far over 64 kB but well inside its schema), and customers read it', async () => {
    const products = menu(400);
    const body = {
      merchantId: 'm-big',
      name: 'Big Menu House',
      timeZone: 'Asia/Shanghai',
      hours: Object.fromEntries(['0', '1', '2', '3', '4', '5', '6'].map((d) => [d, ['00:00-24:00']])),
      products,
    };
    expect(Buffer.byteLength(JSON.stringify(body))).toBeGreaterThan(64 * 1024);
    const saved = await h.call('PUT', '/v1/stores/s-big-menu', tokens.admin(), body);
    expect(saved.status).toBe(201);
    const read = await h.call('GET', '/v1/stores/s-big-menu', tokens.customer('c-1'));
    expect(read.body.products).toHaveLength(400);
    expect(read.body.products[399]).toMatchObject({ name: longName(399) });
  });

  test('listing only some weekdays is kept as given, and a weekday left out is closed: an order then is refused store_open', async () => {
    const weekday = new Date(new Date().toLocaleString('en-US', { timeZone: 'Asia/Shanghai' })).getDay();
    const otherDay = String((weekday + 3) % 7);
    const body = {
      merchantId: 'm-1',
      name: 'Weekday Noodles',
      timeZone: 'Asia/Shanghai',
      hours: { [otherDay]: ['00:00-24:00'] },
      products: [{ productId: 'p-noodles', name: 'Beef noodles', price: 1800, available: true }],
    };
    const saved = await h.call('PUT', '/v1/stores/s-one-day', tokens.admin(), body);
    expect(saved.status).toBe(201);
    const read = await h.call('GET', '/v1/stores/s-one-day', tokens.customer('c-1'));
    expect(read.body.hours).toEqual({ [otherDay]: ['00:00-24:00'] });
    const res = await h.call('POST', '/v1/orders', tokens.customer('c-3'), orderBody({ storeId: 's-one-day' }));
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ check: 'store_open' });
  });

  test('a body larger than any its schema accepts is refused with 413 problem+json before it is read in full', async () => {
    const body = {
      merchantId: 'm-big',
      name: 'Big Menu House',
      timeZone: 'Asia/Shanghai',
      hours: {},
      products: menu(2_000),
      padding: 'x'.repeat(4_000_000),
    };
    const res = await h.call('PUT', '/v1/stores/s-too-big', tokens.admin(), body);
    expect(res.status).toBe(413);
    expect(res.type).toContain('application/problem+json');
    expect(res.body).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
  });

  test('a route with a small body keeps a small limit: an answer’s reason is refused past what its schema allows', async () => {
    const res = await h.call('POST', '/v1/orders/o-any/reject', tokens.merchant(), { reason: 'x'.repeat(8_000) });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
  });
});

describe('orders from upstream storefronts', () => {
  const storefrontEvent = (externalRef: string, override: Record<string, unknown> = {}) => ({
    topic: h.topic(Topics.storefrontOrders),
    event: newEvent(StorefrontOrderPlaced, {
      source: 'storefront/shop-web',
      subject: externalRef,
      data: { ...orderBody(), customerId: 'c-9', storefrontId: 'shop-web', externalRef, ...override } as never,
    }),
  });

  test('go through the same checks, once per storefront reference however often they come', async () => {
    const orderId = storefrontOrderId('shop-web', 'SW-1');
    await producer.publish([storefrontEvent('SW-1'), storefrontEvent('SW-1')]);
    const placed = await h.waitForEvent(orderId, 'order.placed');
    expect(placed.data).toMatchObject({ status: 'new', storefront: { storefrontId: 'shop-web', externalRef: 'SW-1' } });
    // A later marker proves the duplicate has been consumed too.
    await producer.publish([storefrontEvent('SW-2')]);
    await h.waitForEvent(storefrontOrderId('shop-web', 'SW-2'), 'order.placed');
    expect(h.events(orderId, 'order.placed')).toHaveLength(1);
  });

  test('a refused storefront order gets an order.refused event', async () => {
    const orderId = storefrontOrderId('shop-web', 'SW-closed');
    await producer.publish([storefrontEvent('SW-closed', { storeId: 's-paused' })]);
    const refused = await h.waitForEvent(orderId, 'order.refused');
    expect(refused.data).toMatchObject({ check: 'store_open', storefront: { externalRef: 'SW-closed' } });
  });

  test('the storefront hears back on its replies topic: the order id taken for its reference, or the refusal and why; and reads either by its reference', async () => {
    await producer.publish([storefrontEvent('SW-loop'), storefrontEvent('SW-loop-closed', { storeId: 's-paused' })]);
    const taken = await h.waitForEvent('shop-web/SW-loop', 'storefront-order.taken');
    const orderId = storefrontOrderId('shop-web', 'SW-loop');
    const placed = await h.waitForEvent(orderId, 'order.placed');
    expect(taken.data).toMatchObject({
      storefrontId: 'shop-web',
      externalRef: 'SW-loop',
      orderId,
      currency: 'CNY',
      total: placed.data.total,
      responseDeadline: (placed.data.countdown as { deadline: string }).deadline,
    });
    expect((taken.data.lines as { name?: string }[])[0]?.name).toBe('Beef noodles');
    const refused = await h.waitForEvent('shop-web/SW-loop-closed', 'storefront-order.refused');
    expect(refused.data).toMatchObject({
      externalRef: 'SW-loop-closed',
      orderId: storefrontOrderId('shop-web', 'SW-loop-closed'),
      check: 'store_open',
    });
    expect(refused.data.reason).toEqual(expect.any(String));

    const byRef = await h.call('GET', '/v1/storefront-orders/SW-loop', tokens.storefront('shop-web'));
    expect(byRef.status).toBe(200);
    expect(byRef.body.order).toMatchObject({ orderId, status: 'new' });
    const refusedByRef = await h.call('GET', '/v1/storefront-orders/SW-loop-closed', tokens.storefront('shop-web'));
    expect(refusedByRef.body.order).toMatchObject({ status: 'refused', refusal: { check: 'store_open' } });
    // Another storefront's reference of the same name is not this one's order; nor is a customer a storefront.
    expect((await h.call('GET', '/v1/storefront-orders/SW-loop', tokens.storefront('shop-other'))).status).toBe(404);
    expect((await h.call('GET', '/v1/storefront-orders/SW-loop', tokens.customer('c-9'))).status).toBe(403);
    expect(
      (await h.call('GET', `/v1/storefront-orders/${'x'.repeat(129)}`, tokens.storefront('shop-web'))).status,
    ).toBe(400);
    // A duplicate of the intake message answers nothing twice.
    await producer.publish([storefrontEvent('SW-loop'), storefrontEvent('SW-loop-marker')]);
    await h.waitForEvent('shop-web/SW-loop-marker', 'storefront-order.taken');
    expect(h.events('shop-web/SW-loop', 'storefront-order.taken')).toHaveLength(1);
  });

  test('a record whose ce_source is not the storefront its data names, or that reuses a reference for a different order, is dead-lettered with why; the first order stands', async () => {
    const spoofed = storefrontEvent('SW-spoof', { storefrontId: 'shop-b' });
    await producer.publish([spoofed]);
    const first = storefrontEvent('SW-twice');
    const reused = storefrontEvent('SW-twice', {
      customerId: 'c-other',
      lines: [{ productId: 'p-noodles', quantity: 5, unitPrice: 1800 }],
    });
    await producer.publish([first]);
    await h.waitForEvent(storefrontOrderId('shop-web', 'SW-twice'), 'order.placed');
    // A type this intake does not take, from outside: set aside with why, not passed over unseen.
    const typo = storefrontEvent('SW-typo');
    await producer.publish([{ ...typo, event: { ...typo.event, type: 'storefront-order.pwned' } }]);
    await producer.publish([reused, storefrontEvent('SW-after-twice')]);
    await h.waitForEvent(storefrontOrderId('shop-web', 'SW-after-twice'), 'order.placed');
    const dead = await waitFor(
      () =>
        h.seen.filter(
          (m) =>
            ['SW-spoof', 'SW-twice', 'SW-typo'].includes(m.key?.toString() ?? '') &&
            m.headers?.[DeadLetterHeader.reason] !== undefined,
        ),
      { until: (ms) => ms.length === 3, what: 'the spoofed, the mistyped and the reused record dead-lettered' },
    );
    const reasons = Object.fromEntries(
      dead.map((m) => [m.key?.toString(), m.headers?.[DeadLetterHeader.reason]?.toString()]),
    );
    expect(reasons['SW-spoof']).toMatch(/ce_source must be storefront\/shop-b/);
    expect(reasons['SW-twice']).toMatch(/already names a different order/);
    expect(reasons['SW-typo']).toMatch(/no handler takes the type "storefront-order.pwned"/);
    expect(h.events(storefrontOrderId('shop-b', 'SW-spoof'), 'order.placed')).toHaveLength(0);
    const read = await h.call('GET', '/v1/storefront-orders/SW-twice', tokens.storefront('shop-web'));
    expect(read.body.order.customerId).toBe('shop-web/c-9');
  });

  test('a malformed message goes to the dead-letter topic and the next valid one on the partition is still taken', async () => {
    const ref = 'SW-after-bad';
    await producer.forward([
      {
        topic: h.topic(Topics.storefrontOrders),
        key: ref,
        value: '{"broken":',
        headers: {
          ce_id: 'x',
          ce_source: 's',
          ce_type: 'storefront-order.placed',
          ce_specversion: '1.0',
          ce_time: new Date().toISOString(),
          ce_subject: ref,
        },
      },
    ]);
    const invalid = storefrontEvent(ref);
    await producer.publish([
      { ...invalid, event: { ...invalid.event, data: { ...invalid.event.data, lines: 'none' } } },
    ]);
    await producer.publish([storefrontEvent(ref)]);
    await h.waitForEvent(storefrontOrderId('shop-web', ref), 'order.placed');
    const dead = await waitFor(
      () => h.seen.filter((m) => m.key?.toString() === ref && m.headers?.[DeadLetterHeader.reason] !== undefined),
      { until: (ms) => ms.length === 2, what: 'two dead letters' },
    );
    expect(dead.map((m) => m.headers?.[DeadLetterHeader.originalTopic]?.toString())).toEqual([
      h.topic(Topics.storefrontOrders),
      h.topic(Topics.storefrontOrders),
    ]);
    expect(deadLetterTopic(h.topic(Topics.storefrontOrders))).toContain('.dlq');
  });
});
