import { TimerQueue } from '@orderpulse/jobs';
import { rawRequest, stackEnv, waitFor } from '@orderpulse/testkit';
import { Redis } from 'ioredis';

import type { OrderRepository } from '../src/data-access/order.repository';
import { responseDeadlineQueue } from '../src/entry-points/jobs/response-deadline.job';
import { OrderHarness, orderBody, tokens } from './support/order-harness';

const h = new OrderHarness();
const redis = new Redis(stackEnv().REDIS_URL);

beforeAll(async () => {
  await h.start();
  await h.putStore('s-1', { responseWindowSeconds: 60 });
  await h.putStore('s-fast', { responseWindowSeconds: 2 });
});

afterAll(async () => {
  redis.disconnect();
  await h.stop();
});

async function place(storeId = 's-1', customer = 'c-1') {
  const res = await h.call('POST', '/v1/orders', tokens.customer(customer), orderBody({ storeId }));
  expect(res.status).toBe(201);
  return res.body.order as { orderId: string; version: number };
}

const get = (orderId: string, token = tokens.customer()) => h.call('GET', `/v1/orders/${orderId}`, token);
const act = (orderId: string, action: string, body?: unknown) =>
  h.call('POST', `/v1/orders/${orderId}/${action}`, tokens.merchant(), body ?? {});

describe('the merchant response countdown', () => {
  test("the merchant terminal's first fetch marks the order connected; fetching again changes nothing", async () => {
    const { orderId } = await place();
    const first = await get(orderId, tokens.merchant());
    expect(first.body.order).toMatchObject({ status: 'connected', version: 2 });
    const again = await get(orderId, tokens.merchant());
    expect(again.body.order).toMatchObject({ status: 'connected', version: 2 });
    const customer = await get(orderId);
    expect(customer.body.order.status).toBe('connected');
    expect(customer.body.countdown.deadline).toBe(first.body.countdown.deadline);
  });

  test.each([
    ['accept', undefined, 'accepted'],
    ['reject', { reason: 'out of beef' }, 'rejected'],
    ['return', { reason: 'address outside our area' }, 'returned'],
    ['dispatch', undefined, 'dispatched'],
  ])('the merchant can %s inside the window and the customer is told', async (action, body, status) => {
    const { orderId } = await place();
    const res = await act(orderId, action, body);
    expect(res.status).toBe(200);
    expect(res.body.order.status).toBe(status);
    const changed = await h.waitForEvent(orderId, 'order.status-changed', (d) => d.status === status);
    expect(changed.data).toMatchObject({
      from: 'new',
      by: { role: 'merchant' },
      countdown: { deadline: res.body.countdown.deadline },
    });
  });

  test('a rejection needs a reason, and an illegal move gets 409 with the moves that are allowed', async () => {
    const { orderId } = await place();
    expect((await act(orderId, 'reject')).status).toBe(400);
    await act(orderId, 'accept');
    const again = await act(orderId, 'accept');
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({
      code: 'ILLEGAL_TRANSITION',
      status: 409,
      orderStatus: 'accepted',
      allowed: ['dispatch'],
    });
  });

  test('still new at the deadline becomes not_connected; still connected becomes not_answered; the customer learns at once', async () => {
    const unseen = await place('s-fast');
    const seen = await place('s-fast');
    await get(seen.orderId, tokens.merchant());
    await h.waitForEvent(unseen.orderId, 'order.status-changed', (d) => d.status === 'not_connected');
    await h.waitForEvent(seen.orderId, 'order.status-changed', (d) => d.status === 'not_answered');
    const res = await get(seen.orderId);
    expect(res.body.order).toMatchObject({ status: 'not_answered', answered: true });
    expect(Date.parse(res.body.countdown.serverTime)).toBeGreaterThanOrEqual(Date.parse(res.body.countdown.deadline));
  });

  test('an action after the deadline gets 409 WINDOW_CLOSED and has no effect', async () => {
    const { orderId } = await place('s-fast');
    await get(orderId, tokens.merchant());
    const order = await get(orderId);
    await waitFor(() => Date.now() >= Date.parse(order.body.countdown.deadline), {
      what: 'the deadline',
      timeoutMs: 5_000,
    });
    const late = await act(orderId, 'accept');
    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({ code: 'WINDOW_CLOSED', status: 409, orderStatus: 'not_answered' });
    expect(h.events(orderId, 'order.status-changed').map((e) => e.data.status)).not.toContain('accepted');
  });

  test.each([
    ['connected', 'not_answered'],
    ['new', 'not_connected'],
  ])(
    'an answer after the timer ruled an order left %s is still 409 WINDOW_CLOSED, not an illegal transition',
    async (left, ruled) => {
      const { orderId } = await place('s-fast');
      if (left === 'connected') await get(orderId, tokens.merchant());
      await h.waitForEvent(orderId, 'order.status-changed', (d) => d.status === ruled);
      for (const [action, body] of [
        ['accept', undefined],
        ['reject', { reason: 'too late anyway' }],
        ['dispatch', undefined],
      ] as const) {
        const late = await act(orderId, action, body);
        expect(late.status).toBe(409);
        expect(late.body).toMatchObject({ code: 'WINDOW_CLOSED', status: 409, orderStatus: ruled });
      }
    },
  );

  test('many merchant actions arriving at the deadline give exactly one outcome', async () => {
    const { orderId } = await place('s-fast');
    await get(orderId, tokens.merchant());
    const deadline = Date.parse((await get(orderId)).body.countdown.deadline);
    await waitFor(() => Date.now() >= deadline - 30, {
      what: 'just before the deadline',
      timeoutMs: 5_000,
      intervalMs: 2,
    });
    // Answers that each end the countdown (a dispatch after an accept is a later step, not a second answer).
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => act(orderId, i % 2 ? 'accept' : 'return')));
    const final = await waitFor(async () => (await get(orderId)).body.order, {
      until: (o) => o.answered === true,
      what: 'an answer',
    });
    const winners = answers.filter((a) => a.status === 200);
    expect(winners.length).toBeLessThanOrEqual(1);
    if (winners.length === 1) expect(final.status).toBe(winners[0]!.body.order.status);
    else expect(final.status).toBe('not_answered');
    for (const loser of answers.filter((a) => a.status !== 200)) expect(loser.status).toBe(409);
    const history = (await h.call('GET', `/v1/orders/${orderId}/history`, tokens.customer())).body.history as {
      from: string | null;
      to: string;
    }[];
    // Moves into an outcome; an answered order waiting for a rider records that too, without moving.
    expect(
      history.filter((e) => e.from !== e.to && ['accepted', 'returned', 'not_answered'].includes(e.to)),
    ).toHaveLength(1);
  });
});

describe('the customer waiting', () => {
  test('a long-poll returns within tens of milliseconds of a change', async () => {
    const { orderId, version } = await place();
    const started = Date.now();
    const polling = h
      .call('GET', `/v1/orders/${orderId}?wait=20&knownVersion=${version}`, tokens.customer())
      .then((r) => ({ ...r, at: Date.now() }));
    await waitFor(() => Date.now() - started > 100, { what: 'the poll to be waiting', intervalMs: 10 });
    const accepted = await act(orderId, 'accept');
    const acceptedAt = Date.now();
    const polled = await polling;
    expect(accepted.status).toBe(200);
    expect(polled.body.order).toMatchObject({ status: 'accepted', version: version + 1 });
    expect(polled.at - acceptedAt).toBeLessThan(500);
  });

  test('a read that carries a body is answered, and a long-poll that carries one still waits for the change (found by the fuzz suite: such a read was never answered)', async () => {
    const { orderId, version } = await place();
    const port = Number(new URL(h.base).port);
    const headers = { authorization: `Bearer ${tokens.customer()}`, 'content-type': 'application/json' };
    const plain = await rawRequest(port, `/v1/orders/${orderId}`, { headers, body: '{}' });
    expect(plain.status).toBe(200);
    expect((JSON.parse(plain.body) as { order: { version: number } }).order.version).toBe(version);
    const polling = rawRequest(port, `/v1/orders/${orderId}?wait=20&knownVersion=${version}`, {
      headers,
      body: '{}',
      timeoutMs: 25_000,
    });
    const started = Date.now();
    await waitFor(() => Date.now() - started > 200, { what: 'the poll to be waiting', intervalMs: 10 });
    expect((await act(orderId, 'accept')).status).toBe(200);
    const polled = await polling;
    expect(polled.status).toBe(200);
    expect((JSON.parse(polled.body) as { order: { status: string; version: number } }).order).toMatchObject({
      status: 'accepted',
      version: version + 1,
    });
  });

  test('a long-poll with nothing new returns the order as it is at the end of its wait', async () => {
    const { orderId, version } = await place();
    const res = await h.call('GET', `/v1/orders/${orderId}?wait=1&knownVersion=${version}`, tokens.customer());
    expect(res.body.order.version).toBe(version);
  });

  test('the SSE stream sends each status and ends once the merchant has answered', async () => {
    const { orderId } = await place();
    const response = await fetch(`${h.base}/v1/orders/${orderId}/stream`, {
      headers: { authorization: `Bearer ${tokens.customer()}` },
    });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body!.getReader();
    let text = '';
    const read = async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return text;
        text += Buffer.from(value).toString('utf8');
        if (text.includes('"status":"new"') && !text.includes('"status":"connected"'))
          void get(orderId, tokens.merchant()).then(() => act(orderId, 'reject', { reason: 'closing early' }));
      }
    };
    const all = await read();
    const statuses = [...all.matchAll(/"status":"([a-z_]+)"/g)].map((m) => m[1]);
    expect(statuses).toEqual(['new', 'connected', 'rejected']);
  });
});

describe('a customer whose token runs out while waiting', () => {
  test('the SSE stream says event: unauthorized when the token expires, then ends, though the order is still open', async () => {
    const { orderId } = await place();
    const response = await fetch(`${h.base}/v1/orders/${orderId}/stream`, {
      headers: { authorization: `Bearer ${tokens.customer('c-1', 2)}` },
    });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain('event: order');
    expect(text.trimEnd().split('\n\n').at(-1)).toBe(
      'event: unauthorized\ndata: {"type":"unauthorized","reason":"token_expired"}',
    );
    expect((await get(orderId)).body.order.answered).toBe(false);
  });

  test('a long-poll waits no longer than its token lives', async () => {
    const { orderId, version } = await place();
    const started = Date.now();
    const res = await h.call('GET', `/v1/orders/${orderId}?wait=20&knownVersion=${version}`, tokens.customer('c-1', 2));
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(4_000);
  });
});

describe('authorization and history', () => {
  test('a customer sees only their orders, a merchant only its store’s; others get 404', async () => {
    const { orderId } = await place('s-1', 'c-owner');
    expect((await get(orderId, tokens.customer('c-owner'))).status).toBe(200);
    expect((await get(orderId, tokens.customer('c-other'))).status).toBe(404);
    expect((await get(orderId, tokens.merchant('m-2'))).status).toBe(404);
    expect((await h.call('POST', `/v1/orders/${orderId}/accept`, tokens.merchant('m-2'), {})).status).toBe(404);
    expect((await h.call('POST', `/v1/orders/${orderId}/accept`, tokens.customer('c-owner'), {})).status).toBe(403);
  });

  test('the history says who did what, when, from and to', async () => {
    const { orderId } = await place();
    await get(orderId, tokens.merchant('m-1', 'clerk-7'));
    await act(orderId, 'reject', { reason: 'kitchen closed' });
    const { history } = (await h.call('GET', `/v1/orders/${orderId}/history`, tokens.customer())).body;
    expect(history).toEqual([
      expect.objectContaining({ action: 'place', from: null, to: 'new', by: { role: 'customer', subject: 'c-1' } }),
      expect.objectContaining({
        action: 'connect',
        from: 'new',
        to: 'connected',
        by: { role: 'merchant', subject: 'clerk-7' },
      }),
      expect.objectContaining({ action: 'reject', from: 'connected', to: 'rejected', reason: 'kitchen closed' }),
    ]);
  });

  test('bad ids and bad actions are refused without a 5xx', async () => {
    expect((await get('bad id!')).status).toBe(400);
    expect((await h.call('POST', '/v1/orders/ord_x/explode', tokens.merchant(), {})).status).toBe(400);
    expect((await h.call('GET', '/v1/orders/ord_missing?wait=abc', tokens.customer())).status).toBe(400);
  });
});

describe('the reconciler', () => {
  test('after Redis lost every timer, overdue orders are settled and pending ones get their timers back', async () => {
    const overdue = await Promise.all([place('s-fast'), place('s-fast'), place('s-fast')]);
    const pending = await place('s-1');
    // Redis forgets every key of this service's queues, timers included — but not the epoch marker, which would
    // have the runner reconcile by itself within seconds (redis-loss.test.ts); here the pass is asked for.
    const keys = (await redis.keys(`${h.queuePrefix}:*`)).filter((k) => !k.includes(':epoch:'));
    if (keys.length > 0) await redis.del(...keys);
    const deadline = Date.parse((await get(overdue[2].orderId)).body.countdown.deadline);
    await waitFor(() => Date.now() > deadline, { what: 'the deadlines to pass', timeoutMs: 5_000 });
    for (const o of overdue) expect((await get(o.orderId)).body.order.status).toBe('new');

    const report = await h.service.reconcile();
    expect(report.adjudicated).toBeGreaterThanOrEqual(3);
    expect(report.rescheduled).toBeGreaterThanOrEqual(1);
    for (const o of overdue) expect((await get(o.orderId)).body.order.status).toBe('not_connected');
    expect(await redis.exists(`${h.queuePrefix}:order-response-deadline:response-deadline.${pending.orderId}`)).toBe(1);
  });

  test('a due pass runs again the timers that failed for good, and reads no pending order', async () => {
    const pending = await place('s-1');
    // An order the deadline job cannot read (its deadline is not a date), and its timer allowed a single try.
    const orderId = `ord_broken_${Date.now()}`;
    const collection = (h.service.ports.orders as OrderRepository).collection;
    await collection.insertOne({
      ...orderBody({ storeId: 's-1' }),
      _id: orderId,
      version: 1,
      status: 'new',
      customerId: 'c-1',
      merchantId: 'm-1',
      total: 3600,
      placedAt: new Date(),
      responseDeadline: 'soon',
      declinedBy: [],
      history: [],
    });
    const oneTry = new TimerQueue<{ orderId: string }>(
      responseDeadlineQueue,
      { connection: redis, prefix: h.queuePrefix },
      { attempts: 1, backoffMs: 10 },
    );
    await oneTry.scheduleAt(`response-deadline.${orderId}`, new Date(), { orderId });
    const failedKey = `${h.queuePrefix}:${responseDeadlineQueue}:failed`;
    await waitFor(async () => (await redis.zscore(failedKey, `response-deadline.${orderId}`)) !== null, {
      what: 'the timer to fail for good',
    });

    // Mended; the next due pass runs the timer again, and it rules.
    await collection.updateOne({ _id: orderId }, { $set: { responseDeadline: new Date(Date.now() - 1_000) } });
    const report = await h.service.reconcile('due');
    expect(report).toMatchObject({ checked: 0, retried: 1 });
    await waitFor(async () => (await get(orderId)).body.order?.status === 'not_connected', {
      what: 'the retried timer to rule',
    });
    expect(await redis.zcard(failedKey)).toBe(0);
    // The pending order was not looked at: its timer is the one placing it set.
    expect((await get(pending.orderId)).body.order.status).toBe('new');
    await oneTry.close();
  });
});
