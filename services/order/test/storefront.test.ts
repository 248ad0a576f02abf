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
    expect(placed.body.order).toMatchObject({ customerId: 'c-shop', status: 'new' });
    const again = await h.call('POST', '/v1/orders', tokens.storefront('shop-web'), body);
    expect(again.status).toBe(200);
    expect(again.body.order.orderId).toBe(placed.body.order.orderId);
    // Placed over HTTP, the order is answered on the replies topic as one from the storefront topic is.
    const taken = await h.waitForEvent('web-1001', 'storefront-order.taken');
    expect(taken.data).toMatchObject({ storefrontId: 'shop-web', orderId: placed.body.order.orderId });
    expect((await h.call('GET', '/v1/storefront-orders/web-1001', tokens.storefront('shop-web'))).body.order.orderId).toBe(placed.body.order.orderId);

    const path = `/v1/orders/${placed.body.order.orderId}`;
    expect((await h.call('GET', path, tokens.storefront('shop-web'))).status).toBe(200);
    expect((await h.call('GET', path, tokens.storefront('shop-other'))).status).toBe(404);
    // The same reference at another storefront is another order.
    const theirs = await h.call('POST', '/v1/orders', tokens.storefront('shop-other'), body);
    expect(theirs.status).toBe(201);
    expect(theirs.body.order.orderId).not.toBe(placed.body.order.orderId);
  });

  test('a storefront acts on no order: it neither answers for the merchant nor lists orders', async () => {
    const placed = await h.call('POST', '/v1/orders', tokens.storefront('shop-web'), { ...orderBody(), customerId: 'c-shop', externalRef: 'web-1002' });
    expect((await h.call('POST', `/v1/orders/${placed.body.order.orderId}/accept`, tokens.storefront('shop-web'), {})).status).toBe(403);
    expect((await h.call('GET', '/v1/orders', tokens.storefront('shop-web'))).status).toBe(403);
  });

  test('a storefront token without its storefront as tenant places nothing', async () => {
    const bare = tokenIssuer.sign({ subject: 'shop-web', role: 'storefront' });
    expect((await h.call('POST', '/v1/orders', bare, { ...orderBody(), customerId: 'c-shop', externalRef: 'web-1003' })).status).toBe(403);
  });
});
