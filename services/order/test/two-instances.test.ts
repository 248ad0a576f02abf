import { OrderHarness, orderBody, tokens } from './support/order-harness';

// Two instances on one database, as replicas are: each decides a change first on the order as it
// last saw it, without a read. What the other instance changed meanwhile must still decide it.
const first = new OrderHarness();
const second = new OrderHarness();

beforeAll(async () => {
  await first.start();
  await second.start({ MONGO_DB: first.dbName });
  await first.putStore('s-1', { responseWindowSeconds: 60 });
});

afterAll(async () => {
  await second.stop();
  await first.stop();
});

const act = (h: OrderHarness, orderId: string, action: string) =>
  h.call('POST', `/v1/orders/${orderId}/${action}`, tokens.merchant(), {});

async function placedOnFirst(): Promise<string> {
  const res = await first.call('POST', '/v1/orders', tokens.customer(), orderBody({ storeId: 's-1' }));
  expect(res.status).toBe(201);
  return (res.body.order as { orderId: string }).orderId;
}

describe('a change decided on what an instance remembers', () => {
  test('an answer given on the other instance meanwhile is seen: the late one gets what a fresh read gives, not a lost race', async () => {
    const orderId = await placedOnFirst();
    expect((await act(second, orderId, 'accept')).body.order).toMatchObject({ status: 'accepted', version: 2 });
    // The first instance remembers the order as it placed it (new, version 1).
    const late = await act(first, orderId, 'reject');
    const fresh = await act(second, orderId, 'reject');
    expect(late.status).toBe(fresh.status);
    // Refused on the stored order (version 2, or 3 once the assignment consumer has marked it awaiting a rider).
    expect(late.body).toMatchObject({ code: fresh.body.code, orderStatus: 'accepted' });
    expect(late.body.version).toBeGreaterThanOrEqual(2);
    expect(late.body.code).not.toBe('CONFLICT');
  });

  test('a change whose write loses to the other instance is decided again on the stored order, not answered 409', async () => {
    const orderId = await placedOnFirst();
    // Accepted on the second instance; the first remembers it new (version 1), so its write loses.
    expect((await act(second, orderId, 'accept')).status).toBe(200);
    const dispatched = await act(first, orderId, 'dispatch');
    expect(dispatched.status).toBe(200);
    expect(dispatched.body.order).toMatchObject({ status: 'dispatched' });
    const stored = await second.call('GET', `/v1/orders/${orderId}`, tokens.customer());
    // Stored as answered (the assignment may since have added a version of its own).
    expect(stored.body.order.status).toBe('dispatched');
    expect(stored.body.order.version).toBeGreaterThanOrEqual(dispatched.body.order.version);
  });

  test('a refusal of the order as it stands is answered as it is, and changes nothing', async () => {
    const orderId = await placedOnFirst();
    // A rejection needs a reason: refused on the order the first instance remembers, which is current.
    const refused = await act(first, orderId, 'reject');
    const same = await act(second, orderId, 'reject');
    expect(refused.status).toBe(same.status);
    expect(refused.body).toMatchObject({ code: same.body.code, orderStatus: 'new', version: 1 });
    const order = await first.call('GET', `/v1/orders/${orderId}`, tokens.customer());
    expect(order.body.order).toMatchObject({ status: 'new', version: 1 });
  });

  test('answers racing on both instances, each remembering the order: exactly one wins, the rest get a 4xx with the true status', async () => {
    const orderId = await placedOnFirst();
    await second.call('GET', `/v1/orders/${orderId}`, tokens.customer()); // the second remembers it too
    const answers = ['accept', 'reject', 'accept', 'reject', 'accept', 'reject', 'accept', 'reject'];
    const replies = await Promise.all(
      answers.map((action, i) =>
        (i % 2 === 0 ? first : second).call(
          'POST',
          `/v1/orders/${orderId}/${action}`,
          tokens.merchant(),
          action === 'reject' ? { reason: 'out of noodles' } : {},
        ),
      ),
    );
    expect(replies.filter((r) => r.status === 200)).toHaveLength(1);
    const stored = (await first.call('GET', `/v1/orders/${orderId}`, tokens.customer())).body.order;
    for (const refused of replies.filter((r) => r.status !== 200)) {
      expect(refused.status).toBeGreaterThanOrEqual(400);
      expect(refused.status).toBeLessThan(500);
      expect(refused.body.orderStatus).toBe(stored.status);
    }
    const history = (await first.call('GET', `/v1/orders/${orderId}/history`, tokens.merchant())).body.history as {
      action: string;
    }[];
    expect(history.filter((h) => h.action === 'accept' || h.action === 'reject')).toHaveLength(1);
  });
});
