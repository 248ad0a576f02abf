import { stackEnv } from '@orderpulse/testkit';
import mongoose from 'mongoose';

import { OrderHarness, orderBody, tokens } from './support/order-harness';

const h = new OrderHarness();
const db = mongoose.createConnection(stackEnv().MONGO_URL);
const listed = async (terminalId: string) =>
  ((
    await db
      .useDb(h.dbName)
      .collection('terminals')
      .findOne({ _id: terminalId } as never)
  )?.orders ?? []) as string[];

beforeAll(async () => {
  await h.start();
  await h.putStore('s-1', {});
  for (const [id, regions] of [
    ['rider-pudong-1', ['pudong']],
    ['rider-pudong-2', ['pudong']],
    ['rider-puxi', ['puxi']],
  ] as const) {
    expect((await h.call('PUT', `/v1/terminals/${id}`, tokens.admin(), { regions })).status).toBe(200);
  }
});

afterAll(async () => {
  await h.stop();
  await db.close();
});

async function acceptedOrder(region = 'pudong') {
  const placed = await h.call(
    'POST',
    '/v1/orders',
    tokens.customer(),
    orderBody({ delivery: { line: '1 Road', region, contactName: 'Wang Fang', contactPhone: '+86 139 1111 2222' } }),
  );
  const { orderId } = placed.body.order;
  await h.call('POST', `/v1/orders/${orderId}/accept`, tokens.merchant(), {});
  const assigned = await h.waitForEvent(orderId, 'order.assigned');
  return { orderId, terminalId: assigned.data.terminalId as string, strategy: assigned.data.strategy as string };
}

const rider = (terminalId: string, path: string, body?: unknown) =>
  h.call(body === undefined ? 'GET' : 'POST', path, tokens.rider(terminalId), body);

describe('delivery and stocking progress', () => {
  test('an accepted order goes to a terminal of its region, which lists it with destination, stocking and the customer’s contact', async () => {
    const { orderId, terminalId, strategy } = await acceptedOrder();
    expect(strategy).toBe('region');
    expect(terminalId).toMatch(/^rider-pudong-/);
    const deliveries = (await rider(terminalId, '/v1/deliveries')).body.deliveries as { order: { orderId: string } }[];
    const mine = deliveries.find((d) => d.order.orderId === orderId);
    expect(mine).toMatchObject({
      destination: { region: 'pudong', line: '1 Road' },
      customer: { name: 'Wang Fang', phone: '+86 139 1111 2222' },
    });
  });

  test('a region with no terminal falls back to the least loaded one anywhere', async () => {
    const { strategy } = await acceptedOrder('minhang');
    expect(strategy).toBe('least_loaded');
  });

  test('stocking success or failure with its reason, and each delivery step, reach the customer as events', async () => {
    const { orderId, terminalId } = await acceptedOrder();
    expect((await rider(terminalId, `/v1/deliveries/${orderId}/stocking`, { status: 'failure' })).status).toBe(400);
    const stocking = await rider(terminalId, `/v1/deliveries/${orderId}/stocking`, {
      status: 'failure',
      reason: 'one bowl short; substitute offered',
    });
    expect(stocking.body.order.stocking).toMatchObject({
      status: 'failure',
      reason: 'one bowl short; substitute offered',
    });
    const eta = new Date(Date.now() + 25 * 60_000).toISOString();
    for (const [step, status] of [
      ['took', 'rider_took'],
      ['arrived_at_store', 'rider_at_store'],
      ['handed_over', 'picked_up'],
      ['delivered', 'delivered'],
    ] as const) {
      const res = await rider(terminalId, `/v1/deliveries/${orderId}/progress`, {
        step,
        ...(step === 'handed_over' ? { expectedDeliveryAt: eta } : {}),
      });
      expect([res.status, res.body.order.status]).toEqual([200, status]);
    }
    await h.waitForEvent(
      orderId,
      'order.stocking-reported',
      (d) => d.stocking === 'failure' && d.reason === 'one bowl short; substitute offered',
    );
    const handedOver = await h.waitForEvent(orderId, 'order.status-changed', (d) => d.status === 'picked_up');
    expect(handedOver.data.expectedDeliveryAt).toBe(eta);
    await h.waitForEvent(orderId, 'order.status-changed', (d) => d.status === 'delivered');
  });

  test('a delivered order is taken off its terminal’s list, so the list stays what the terminal carries', async () => {
    const { orderId, terminalId } = await acceptedOrder('puxi');
    expect(terminalId).toBe('rider-puxi');
    expect(await listed(terminalId)).toContain(orderId);
    for (const step of ['took', 'handed_over', 'delivered'] as const)
      expect((await rider(terminalId, `/v1/deliveries/${orderId}/progress`, { step })).status).toBe(200);
    expect(await listed(terminalId)).not.toContain(orderId);
  });

  test('a step out of order gets 409 with the allowed steps', async () => {
    const { orderId, terminalId } = await acceptedOrder();
    const res = await rider(terminalId, `/v1/deliveries/${orderId}/progress`, { step: 'delivered' });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'ILLEGAL_TRANSITION', allowed: ['take'] });
  });

  test('a terminal that declines loses the order to another terminal', async () => {
    const { orderId, terminalId } = await acceptedOrder();
    const declined = await rider(terminalId, `/v1/deliveries/${orderId}/decline`, { reason: 'bike broke down' });
    expect(declined.status).toBe(200);
    expect(declined.body.terminalId).not.toBe(terminalId);
    const reassigned = await h.waitForEvent(orderId, 'order.assigned', (d) => d.terminalId !== terminalId);
    expect(reassigned.data.previousTerminalId).toBe(terminalId);
    expect((await rider(terminalId, `/v1/deliveries/${orderId}/progress`, { step: 'took' })).status).toBe(404);
  });

  test('a terminal sees and touches only the orders assigned to it', async () => {
    const { orderId, terminalId } = await acceptedOrder();
    const other = terminalId === 'rider-pudong-1' ? 'rider-pudong-2' : 'rider-pudong-1';
    expect((await h.call('GET', `/v1/orders/${orderId}`, tokens.rider(other))).status).toBe(404);
    expect((await rider(other, `/v1/deliveries/${orderId}/stocking`, { status: 'success' })).status).toBe(404);
    expect((await h.call('GET', '/v1/deliveries', tokens.customer())).status).toBe(403);
  });
});
