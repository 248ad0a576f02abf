import { SlowLink, stackEnv, waitFor } from '@orderpulse/testkit';

import { OrderHarness, orderBody, tokens } from './support/order-harness';

const mongo = new URL(stackEnv().MONGO_URL);
const link = new SlowLink({ host: mongo.hostname, port: Number(mongo.port) });
const h = new OrderHarness();

beforeAll(async () => {
  await link.start();
  const url = new URL(stackEnv().MONGO_URL);
  url.port = String(link.port);
  await h.start({ MONGO_URL: url.toString() });
  await h.putStore('s-1', { responseWindowSeconds: 8 });
});

afterAll(async () => {
  await h.stop();
  await link.stop();
});

describe('a database that stalls while an order is placed', () => {
  test('the merchant still gets the whole response window, counted from when the order was stored', async () => {
    link.hold();
    const placing = h
      .call('POST', '/v1/orders', tokens.customer('c-slow'), orderBody())
      .then((r) => ({ ...r, at: Date.now() }));
    const stalledAt = Date.now();
    // The request waits on the database for three seconds.
    await waitFor(() => Date.now() - stalledAt >= 3_000, {
      what: 'three seconds of a stalled database',
      timeoutMs: 5_000,
      intervalMs: 100,
    });
    link.release();
    const placed = await placing;
    expect(placed.status).toBe(201);

    const deadline = Date.parse(placed.body.countdown.deadline);
    expect(deadline - Date.parse(placed.body.order.placedAt)).toBe(8_000);
    // Counted from storage: the deadline is at least a whole window after the stall ended.
    expect(deadline).toBeGreaterThanOrEqual(stalledAt + 3_000 + 8_000 - 250);
    const event = await h.waitForEvent(placed.body.order.orderId, 'order.placed');
    expect(event.data).toMatchObject({ version: 1, countdown: { deadline: placed.body.countdown.deadline } });
  });

  test('a placement cut short between its two writes is finished by the reconciler, with a whole window from then', async () => {
    // What an instance that died right after storing the order leaves: stored, never announced.
    const storedAt = new Date(Date.now() - 60_000);
    const orderId = `ord_cut_${Date.now()}`;
    const body = orderBody();
    await h.service.ports.orders.insert(
      {
        ...body,
        orderId,
        version: 0,
        status: 'new',
        customerId: 'c-cut',
        locale: 'en',
        total: 3600,
        storeName: 'Noodle House',
        placedAt: storedAt,
        responseDeadline: new Date(storedAt.getTime() + 8_000),
        declinedBy: [],
        placing: true,
        history: [],
      },
      [],
    );
    const before = Date.now();
    const report = await h.service.reconcile();
    expect(report.announced).toBeGreaterThanOrEqual(1);
    const event = await h.waitForEvent(orderId, 'order.placed');
    expect(Date.parse(String((event.data.countdown as { deadline: string }).deadline))).toBeGreaterThanOrEqual(
      before + 8_000,
    );
    const view = await h.call('GET', `/v1/orders/${orderId}`, tokens.customer('c-cut'));
    expect(view.body.order).toMatchObject({ status: 'new', version: 1 });
  });

  test('a placement cut short between its two writes is finished by its own timer, set before the first write', async () => {
    // The first write and the timer placing set before it, at the earliest the deadline could be (here, past).
    const storedAt = new Date(Date.now() - 60_000);
    const orderId = `ord_cut_timer_${Date.now()}`;
    await h.service.ports.timers.scheduleAt(`response-deadline.${orderId}`, new Date(storedAt.getTime() + 8_000), {
      orderId,
    });
    await h.service.ports.orders.insert(
      {
        ...orderBody(),
        orderId,
        version: 0,
        status: 'new',
        customerId: 'c-cut',
        locale: 'en',
        total: 3600,
        storeName: 'Noodle House',
        placedAt: storedAt,
        responseDeadline: new Date(storedAt.getTime() + 8_000),
        declinedBy: [],
        placing: true,
        history: [],
      },
      [],
    );
    const before = Date.now();
    const event = await h.waitForEvent(orderId, 'order.placed');
    const deadline = Date.parse(String((event.data.countdown as { deadline: string }).deadline));
    expect(deadline).toBeGreaterThanOrEqual(before + 8_000 - 1_000);
    // The same timer runs again at the new deadline, not before it, and rules.
    await h.waitForEvent(orderId, 'order.status-changed', (d) => d.status === 'not_connected');
    const { history } = (await h.call('GET', `/v1/orders/${orderId}/history`, tokens.customer('c-cut'))).body as {
      history: { action: string; at: string }[];
    };
    expect(history.map((e) => e.action)).toEqual(['place', 'adjudicate']);
    expect(Date.parse(history[1]!.at)).toBeGreaterThanOrEqual(deadline);
  });
});
