import { OrderHarness, orderBody, tokenIssuer, tokens } from './support/order-harness';

const h = new OrderHarness();

beforeAll(async () => {
  await h.start();
  await h.putStore('s-1', {});
});

afterAll(() => h.stop());

describe('a storefront as its own principal', () => {
  test('places an order for its customer under its own reference, once, and reads it; another storefront cannot', async () => {
    const body = { ...orderBody(), customerId: 'c-shop', externalRef: 'web-1001' };
    const placed = await h.call('POST', '/v1/orders', tokens.storefront('shop-web'), body);
    expect(placed.status).toBe(201);
    expect(placed.body.order).toMatchObject({ customerId: 'shop-web/c-shop', status: 'new' });
    const again = await h.call('POST', '/v1/orders', tokens.storefront('shop-web'), body);
    expect(again.status).toBe(200);
    expect(again.body.order.orderId).toBe(placed.body.order.orderId);
    // Placed over HTTP, the order is answered on the replies topic as one from the storefront topic is.
    const taken = await h.waitForEvent('shop-web/web-1001', 'storefront-order.taken');
    expect(taken.data).toMatchObject({ storefrontId: 'shop-web', orderId: placed.body.order.orderId });
    expect(
      (await h.call('GET', '/v1/storefront-orders/web-1001', tokens.storefront('shop-web'))).body.order.orderId,
    ).toBe(placed.body.order.orderId);

    const path = `/v1/orders/${placed.body.order.orderId}`;
    expect((await h.call('GET', path, tokens.storefront('shop-web'))).status).toBe(200);
    expect((await h.call('GET', path, tokens.storefront('shop-other'))).status).toBe(404);
    // The same reference at another storefront is another order.
    const theirs = await h.call('POST', '/v1/orders', tokens.storefront('shop-other'), body);
    expect(theirs.status).toBe(201);
    expect(theirs.body.order.orderId).not.toBe(placed.body.order.orderId);
  });

  test('a storefront acts on no order: it neither answers for the merchant nor lists orders', async () => {
    const placed = await h.call('POST', '/v1/orders', tokens.storefront('shop-web'), {
      ...orderBody(),
      customerId: 'c-shop',
      externalRef: 'web-1002',
    });
    expect(
      (await h.call('POST', `/v1/orders/${placed.body.order.orderId}/accept`, tokens.storefront('shop-web'), {}))
        .status,
    ).toBe(403);
    expect((await h.call('GET', '/v1/orders', tokens.storefront('shop-web'))).status).toBe(403);
  });

  test('a storefront token without its storefront as tenant places nothing, nor one whose tenant is not a storefront id', async () => {
    const bare = tokenIssuer.sign({ subject: 'shop-web', role: 'storefront' });
    expect(
      (await h.call('POST', '/v1/orders', bare, { ...orderBody(), customerId: 'c-shop', externalRef: 'web-1003' }))
        .status,
    ).toBe(403);
    for (const tenant of ['shop/web', 'shop web', 'shop-web\nX']) {
      const odd = tokenIssuer.sign({ subject: 'x', role: 'storefront', tenant });
      expect([
        tenant,
        (await h.call('POST', '/v1/orders', odd, { ...orderBody(), customerId: 'c-shop', externalRef: 'web-1003' }))
          .status,
      ]).toEqual([tenant, 403]);
      expect([tenant, (await h.call('GET', '/v1/storefront-orders/web-1003', odd)).status]).toEqual([tenant, 403]);
    }
  });

  test("a storefront's customers are its own: it cannot place an order into another account, and its customer reads it under the storefront's name for them", async () => {
    const placed = await h.call('POST', '/v1/orders', tokens.storefront('shop-web'), {
      ...orderBody(),
      customerId: 'c-native',
      externalRef: 'web-inject',
    });
    expect(placed.status).toBe(201);
    expect(placed.body.order.customerId).toBe('shop-web/c-native');
    const native = await h.call('GET', '/v1/orders', tokens.customer('c-native'));
    expect((native.body.orders as { order: { orderId: string } }[]).map((o) => o.order.orderId)).not.toContain(
      placed.body.order.orderId,
    );
    expect((await h.call('GET', `/v1/orders/${placed.body.order.orderId}`, tokens.customer('c-native'))).status).toBe(
      404,
    );
    const theirs = await h.call('GET', '/v1/orders', tokens.customer('shop-web/c-native'));
    expect((theirs.body.orders as { order: { orderId: string } }[]).map((o) => o.order.orderId)).toContain(
      placed.body.order.orderId,
    );
  });

  test('a reference used again for a different order is refused (422) and the first order is left as it was; the same request again is answered with it', async () => {
    const body = { ...orderBody(), customerId: 'c-first', externalRef: 'web-reused' };
    const first = await h.call('POST', '/v1/orders', tokens.storefront('shop-web'), body);
    expect(first.status).toBe(201);
    const other = await h.call('POST', '/v1/orders', tokens.storefront('shop-web'), {
      ...body,
      customerId: 'c-second',
      lines: [{ ...body.lines[0]!, quantity: 5 }],
    });
    expect(other.status).toBe(422);
    expect(other.type).toMatch(/application\/problem\+json/);
    expect(other.body).toMatchObject({ status: 422, reused: 'externalRef' });
    expect(JSON.stringify(other.body)).not.toContain('c-first');
    expect((await h.call('POST', '/v1/orders', tokens.storefront('shop-web'), body)).status).toBe(200);
    const read = await h.call('GET', '/v1/storefront-orders/web-reused', tokens.storefront('shop-web'));
    expect(read.body.order).toMatchObject({ customerId: 'shop-web/c-first', orderId: first.body.order.orderId });
  });

  test("a customer's Idempotency-Key used again for a different order is refused too", async () => {
    const headers = { 'idempotency-key': 'tap-tap-2026-12-03' };
    const first = await h.call('POST', '/v1/orders', tokens.customer('c-tap'), orderBody(), headers);
    expect(first.status).toBe(201);
    expect((await h.call('POST', '/v1/orders', tokens.customer('c-tap'), orderBody(), headers)).status).toBe(200);
    const other = await h.call(
      'POST',
      '/v1/orders',
      tokens.customer('c-tap'),
      { ...orderBody(), note: 'another' },
      headers,
    );
    expect(other.status).toBe(422);
    expect(other.body).toMatchObject({ reused: 'Idempotency-Key' });
  });

  test('a reference or an order line outside the contract is a 400: control characters, spaces, a unit price past 10¹⁰', async () => {
    for (const externalRef of ['X\nweb-1', 'web 1', '']) {
      expect([
        externalRef,
        (
          await h.call('POST', '/v1/orders', tokens.storefront('shop-web'), {
            ...orderBody(),
            customerId: 'c-shop',
            externalRef,
          })
        ).status,
      ]).toEqual([externalRef, 400]);
    }
    const body = orderBody();
    const pricey = {
      ...body,
      customerId: 'c-shop',
      externalRef: 'web-pricey',
      lines: [{ ...body.lines[0]!, unitPrice: 10_000_000_001 }],
    };
    expect((await h.call('POST', '/v1/orders', tokens.storefront('shop-web'), pricey)).status).toBe(400);
  });
});
