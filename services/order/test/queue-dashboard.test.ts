import { uniqueName, waitFor } from '@orderpulse/testkit';

import { OrderHarness, orderBody, tokens } from './support/order-harness';

/** SRE look at the countdowns as BullMQ holds them, through the same authorization as every route. */
describe('the queue dashboard', () => {
  let order: OrderHarness;

  beforeAll(async () => {
    order = await new OrderHarness().start();
    await order.putStore('s-1', {});
  });

  afterAll(async () => {
    await order.stop();
  });

  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${order.base}${path}`, { headers, redirect: 'manual' });

  test("an admin opening it with a token in the address gets a cookie for the dashboard's path and a clean address", async () => {
    const opened = await get(`/admin/queues?access_token=${tokens.admin()}`);

    expect(opened.status).toBe(303);
    expect(opened.headers.get('location')).toBe('/admin/queues');
    const cookie = opened.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^orderpulse_admin=[^;]+; Path=\/admin\/queues; Expires=[^;]+; HttpOnly; SameSite=Strict$/);

    const page = await get('/admin/queues', { cookie: cookie.split(';')[0]! });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('orderpulse queues');
  });

  test("a placed order's response countdown is there, delayed until its deadline", async () => {
    const placed = await order.call('POST', '/v1/orders', tokens.customer(), orderBody(), {
      'idempotency-key': uniqueName('key'),
    });
    expect(placed.status).toBe(201);
    const orderId = placed.body.order.orderId as string;

    const board = await waitFor(
      async () =>
        (await (
          await get(
            '/admin/queues/api/queues?activeQueue=order-response-deadline&status=delayed&page=1&jobsPerPage=50',
            { authorization: `Bearer ${tokens.admin()}` },
          )
        ).json()) as {
          queues: { name: string; counts: Record<string, number>; jobs: { id: string; delay: number }[] }[];
        },
      {
        what: 'the countdown on the dashboard',
        until: (b) => b.queues.some((q) => q.jobs.some((j) => String(j.id).includes(orderId))),
      },
    );
    const [queue] = board.queues.filter((q) => q.name === 'order-response-deadline');
    expect(queue!.counts.delayed).toBeGreaterThanOrEqual(1);
  });

  test('without a token it is 401, with a customer token 403, a forged cookie 401 — problem documents all', async () => {
    const none = await get('/admin/queues/api/queues');
    const customer = await get('/admin/queues/api/queues', { authorization: `Bearer ${tokens.customer()}` });
    const forged = await get('/admin/queues/api/queues', { cookie: 'orderpulse_admin=not.a.token' });
    const customerInAddress = await get(`/admin/queues?access_token=${tokens.customer()}`);

    expect([none.status, customer.status, forged.status, customerInAddress.status]).toEqual([401, 403, 401, 403]);
    for (const answer of [none, customer, forged, customerInAddress])
      expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });
});
