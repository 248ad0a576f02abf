import { stackEnv } from '@orderpulse/testkit';
import mongoose from 'mongoose';

import type { OrderRepository } from '../src/data-access/order.repository';
import { OrderHarness, orderBody, tokens } from './support/order-harness';

/** A deployment that starts with no delivery terminal at all. */
const h = new OrderHarness();

beforeAll(async () => {
  await h.start({ ORDER_ASSIGN_RETRY_SECONDS: '1' });
  await h.putStore('s-1', {});
});

afterAll(() => h.stop());

const rider = (terminalId: string, path: string, body?: unknown) =>
  h.call(body === undefined ? 'GET' : 'POST', path, tokens.rider(terminalId), body);
const registerTerminal = async (id: string, regions: string[]) =>
  expect((await h.call('PUT', `/v1/terminals/${id}`, tokens.admin(), { regions })).status).toBe(200);

async function accept(region: string): Promise<string> {
  const placed = await h.call(
    'POST',
    '/v1/orders',
    tokens.customer(),
    orderBody({ delivery: { line: '9 Lane', region, contactName: 'Zhao Lei', contactPhone: '+86 137 0000 1111' } }),
  );
  const { orderId } = placed.body.order as { orderId: string };
  expect((await h.call('POST', `/v1/orders/${orderId}/accept`, tokens.merchant(), {})).status).toBe(200);
  return orderId;
}

describe('an order no delivery terminal can take', () => {
  test('accepted while no terminal is registered, it waits for a rider (the merchant is told) and is assigned once a terminal appears', async () => {
    const orderId = await accept('jingan');
    const waiting = await h.waitForEvent(orderId, 'order.awaiting-rider');
    expect(waiting.data).toMatchObject({ orderId, status: 'accepted', merchantId: 'm-1', declinedBy: [] });
    const view = await h.call('GET', `/v1/orders/${orderId}`, tokens.merchant());
    expect(view.body.order.awaitingRiderSince).toBe(waiting.data.awaitingSince);

    await registerTerminal('rider-jingan-1', ['jingan']);
    const assigned = await h.waitForEvent(orderId, 'order.assigned');
    expect(assigned.data).toMatchObject({ terminalId: 'rider-jingan-1', strategy: 'region' });
    expect(h.events(orderId, 'order.awaiting-rider')).toHaveLength(1);
    const after = await h.call('GET', `/v1/orders/${orderId}`, tokens.merchant());
    expect(after.body.order.awaitingRiderSince).toBeUndefined();
  });

  test('declined by the only eligible rider, the rider gets a clear answer, the order waits and goes to the next terminal registered', async () => {
    const orderId = await accept('jingan');
    const first = await h.waitForEvent(orderId, 'order.assigned');
    const declined = await rider(String(first.data.terminalId), `/v1/deliveries/${orderId}/decline`, {
      reason: 'flat tyre',
    });
    expect(declined.status).toBe(200);
    expect(declined.body).toEqual({ orderId, declined: true, terminalId: null, awaitingRider: true });
    const waiting = await h.waitForEvent(orderId, 'order.awaiting-rider');
    expect(waiting.data).toMatchObject({ declinedBy: ['rider-jingan-1'], previousTerminalId: 'rider-jingan-1' });

    await registerTerminal('rider-putuo-1', ['putuo']);
    const second = await h.waitForEvent(orderId, 'order.assigned', (d) => d.terminalId === 'rider-putuo-1');
    expect(second.data.strategy).toBe('least_loaded');
    expect((await rider('rider-putuo-1', `/v1/deliveries/${orderId}/progress`, { step: 'took' })).status).toBe(200);
  });

  test('a terminal’s load is counted from its orders: an assignment whose counter never moved still counts', async () => {
    await registerTerminal('rider-xuhui-1', ['xuhui']);
    await registerTerminal('rider-xuhui-2', ['xuhui']);
    const firstId = await accept('xuhui');
    const first = await h.waitForEvent(firstId, 'order.assigned');
    expect(first.data.terminalId).toBe('rider-xuhui-1');
    // What an instance that died between the assignment and the terminal's counter leaves behind:
    // the assignment, and a counter that never moved. The region's next order must go to the idle terminal.
    const mongo = await new mongoose.mongo.MongoClient(stackEnv().MONGO_URL).connect();
    try {
      const dbName = (h.service.ports.orders as OrderRepository).collection.dbName;
      await mongo
        .db(dbName)
        .collection('terminals')
        .updateOne({ _id: 'rider-xuhui-1' } as mongoose.mongo.Document, { $set: { load: 0 } });
    } finally {
      await mongo.close();
    }
    const secondId = await accept('xuhui');
    const second = await h.waitForEvent(secondId, 'order.assigned');
    expect(second.data.terminalId).toBe('rider-xuhui-2');
  });

  test('a terminal’s list naming an order it does not hold (an assignment lost after the listing) does not count, and is cleaned', async () => {
    await registerTerminal('rider-minhang-1', ['minhang']);
    await registerTerminal('rider-minhang-2', ['minhang']);
    const mongo = await new mongoose.mongo.MongoClient(stackEnv().MONGO_URL).connect();
    try {
      const terminals = mongo.db((h.service.ports.orders as OrderRepository).collection.dbName).collection('terminals');
      // Listed, then the instance died before the assignment: rider 1 holds nothing.
      await terminals.updateOne({ _id: 'rider-minhang-1' } as mongoose.mongo.Document, {
        $addToSet: { orders: 'ord_never_assigned' },
      });
      const orderId = await accept('minhang');
      const assigned = await h.waitForEvent(orderId, 'order.assigned');
      expect(assigned.data.terminalId).toBe('rider-minhang-1');
      expect((await terminals.findOne({ _id: 'rider-minhang-1' } as mongoose.mongo.Document))?.orders).toEqual([
        orderId,
      ]);
    } finally {
      await mongo.close();
    }
  });
});
