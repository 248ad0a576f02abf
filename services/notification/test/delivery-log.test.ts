import { stackEnv, uniqueName } from '@orderpulse/testkit';
import mongoose from 'mongoose';

import { DeliveryLogRepository } from '../src/data-access/delivery-log.repository';
import { recipientKey } from '../src/domain/recipients';

const env = stackEnv();
let connection: mongoose.Connection;
let log: DeliveryLogRepository;
const timeoutMs = 5_000;

beforeAll(async () => {
  connection = await mongoose.createConnection(env.MONGO_URL, { dbName: uniqueName('delivery-log') }).asPromise();
  log = new DeliveryLogRepository(connection.db!);
});

afterAll(async () => {
  await connection.dropDatabase();
  await connection.close();
});

async function opened(key: string): Promise<void> {
  await log.open({ key, eventId: 'e-1', eventType: 'order.placed', orderId: 'o-1', recipient: recipientKey({ kind: 'customer', id: 'c-1' }), installationId: 'i-1', appCode: 'app', platform: 'android', category: 'order', title: 't', body: 'b', status: 'pending', data: {} });
}

describe('claiming a try of a push', () => {
  test('two senders claiming the first try at once: one gets it, the other stands aside', async () => {
    await opened('k-race');
    const at = new Date();
    const claims = await Promise.all([log.claim('k-race', at, timeoutMs), log.claim('k-race', at, timeoutMs), log.claim('k-race', at, timeoutMs)]);
    expect(claims.filter(Boolean)).toEqual([{ attempt: 1 }]);
    expect((await log.get('k-race'))?.attempts).toHaveLength(1);
  });

  test('a try left sending by a sender that died is taken over once the push timeout has passed, not before', async () => {
    await opened('k-stale');
    const first = new Date(Date.now() - 60_000);
    expect(await log.claim('k-stale', first, timeoutMs)).toEqual({ attempt: 1 });
    expect(await log.claim('k-stale', new Date(first.getTime() + timeoutMs - 1), timeoutMs)).toBeUndefined();
    expect(await log.claim('k-stale', new Date(), timeoutMs)).toEqual({ attempt: 2 });
    const attempts = (await log.get('k-stale'))?.attempts ?? [];
    expect(attempts.map((a) => a.outcome)).toEqual(['unknown', 'sending']);
  });

  test('a finished push is not claimed again', async () => {
    await opened('k-done');
    expect(await log.claim('k-done', new Date(), timeoutMs)).toEqual({ attempt: 1 });
    await log.settle('k-done', 1, { outcome: 'delivered', ms: 3 }, 'delivered');
    expect(await log.claim('k-done', new Date(), timeoutMs)).toBeUndefined();
  });
});
