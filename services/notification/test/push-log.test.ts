import { commandFilters, servedByIndex } from '@orderpulse/service-kit';
import { stackEnv, uniqueName } from '@orderpulse/testkit';
import mongoose from 'mongoose';

import { PushLogRepository } from '../src/data-access/push-log.repository';
import { recipientKey } from '../src/domain/recipients';

const env = stackEnv();
let connection: mongoose.Connection;
let log: PushLogRepository;
const timeoutMs = 5_000;
/** Every filter sent to the log's collection, with its command. */
const sent: { command: string; filter: Record<string, unknown> }[] = [];

beforeAll(async () => {
  connection = await mongoose
    .createConnection(env.MONGO_URL, { dbName: uniqueName('delivery-log'), monitorCommands: true })
    .asPromise();
  connection.getClient().on('commandStarted', (e) => {
    if (e.command[e.commandName] === 'deliveries')
      for (const filter of commandFilters(e.commandName, e.command)) sent.push({ command: e.commandName, filter });
  });
  log = new PushLogRepository(connection.db!);
  await log.createIndexes();
});

afterAll(async () => {
  await connection.dropDatabase();
  await connection.close();
});

async function opened(key: string): Promise<void> {
  await log.openAll([
    {
      key,
      eventId: 'e-1',
      eventType: 'order.placed',
      orderId: 'o-1',
      recipient: recipientKey({ kind: 'customer', id: 'c-1' }),
      installationId: 'i-1',
      appCode: 'app',
      platform: 'android',
      category: 'order',
      title: 't',
      body: 'b',
      status: 'pending',
      data: {},
    },
  ]);
}

const push = (key: string, status: 'pending' | 'sending' | 'muted' = 'pending') => ({
  key,
  eventId: 'e-2',
  eventType: 'order.accepted',
  orderId: 'o-2',
  recipient: recipientKey({ kind: 'customer', id: 'c-2' }),
  installationId: `i-${key}`,
  appCode: 'app',
  platform: 'android',
  category: 'order',
  title: 't',
  body: 'b',
  status,
  data: {},
});

describe("opening an event's pushes", () => {
  test('in one write; a push opened before answers where it stands, not what was asked', async () => {
    await opened('k-before');
    const at = new Date();
    await log.claim('k-before', at, timeoutMs);
    await log.settle('k-before', 1, { outcome: 'delivered', ms: 3 }, 'delivered');
    const writes = sent.length;
    expect(await log.openAll([push('k-new-1'), push('k-before'), push('k-new-2', 'muted')])).toEqual([
      { status: 'pending', opened: true, firstTryOpen: false },
      { status: 'delivered', opened: false, firstTryOpen: false },
      { status: 'muted', opened: true, firstTryOpen: false },
    ]);
    // One update command with a statement (a filter) per push, then one read of the push that was there already.
    expect(sent.slice(writes).map((s) => s.command)).toEqual(['update', 'update', 'update', 'find']);
    expect((await log.get('k-before'))?.attempts).toHaveLength(1);
    expect((await log.get('k-new-2'))?.status).toBe('muted');
  });

  test('a push opened as sending is opened with its first try, in the same write; opened again it stays as it is', async () => {
    const at = new Date('2026-12-07T10:00:00Z');
    const writes = sent.length;
    expect(await log.openAll([push('k-sending', 'sending')], at)).toEqual([
      { status: 'sending', opened: true, firstTryOpen: true },
    ]);
    expect(sent.slice(writes).map((s) => s.command)).toEqual(['update']);
    const opened = await log.get('k-sending');
    expect(opened?.attempts).toEqual([{ attempt: 1, at, outcome: 'sending', ms: 0 }]);
    // Found again before any run took or answered that try (a redelivery): it is still open, for a job to own.
    expect(await log.openAll([push('k-sending', 'sending')], new Date())).toEqual([
      { status: 'sending', opened: false, firstTryOpen: true },
    ]);
    // Its job settles the try it owns, with the time its run made it; a redelivery then finds it ended and opens nothing.
    const made = new Date('2026-12-07T10:00:07Z');
    await log.settle('k-sending', 1, { at: made, outcome: 'delivered', ms: 2 }, 'delivered');
    expect((await log.get('k-sending'))?.attempts).toEqual([{ attempt: 1, at: made, outcome: 'delivered', ms: 2 }]);
    expect(await log.openAll([push('k-sending', 'sending')], new Date())).toEqual([
      { status: 'delivered', opened: false, firstTryOpen: false },
    ]);
    expect((await log.get('k-sending'))?.attempts).toHaveLength(1);
  });

  test('a push whose status the lifecycle does not open with is refused before anything is written', async () => {
    const writes = sent.length;
    await expect(log.openAll([{ ...push('k-bad'), status: 'delivered' }])).rejects.toThrow(
      'a push that is new cannot be opened to delivered',
    );
    expect(sent.length).toBe(writes);
  });
});

describe('claiming a try of a push', () => {
  test('two senders claiming the first try at once: one gets it, the other stands aside', async () => {
    await opened('k-race');
    const at = new Date();
    const claims = await Promise.all([
      log.claim('k-race', at, timeoutMs),
      log.claim('k-race', at, timeoutMs),
      log.claim('k-race', at, timeoutMs),
    ]);
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

describe('the log grows with every push, so what a push costs must not', () => {
  test('opening, claiming (first try and later ones), settling and abandoning find the push by an index alone', async () => {
    const unique = (await log.collection.indexes()).filter((i) => i.unique).map((i) => Object.keys(i.key));
    const from = sent.length;
    await opened('k-cost');
    const first = new Date(Date.now() - 60_000);
    expect(await log.claim('k-cost', first, timeoutMs)).toEqual({ attempt: 1 });
    await log.settle('k-cost', 1, { outcome: 'retry', ms: 3, error: 'HTTP 503' }, 'pending');
    expect(await log.claim('k-cost', new Date(), timeoutMs)).toEqual({ attempt: 2 });
    const now = await log.get('k-cost');
    await log.abandon(now!, 'rejected', 'installation gone');
    expect((await log.get('k-cost'))?.status).toBe('rejected');
    const scans = sent.slice(from).filter((s) => !servedByIndex(s.filter, unique));
    expect(scans).toEqual([]);
  });

  test('abandoning a push that moved on since it was read leaves it as it is', async () => {
    await opened('k-moved');
    const read = await log.get('k-moved');
    expect(await log.claim('k-moved', new Date(), timeoutMs)).toEqual({ attempt: 1 });
    await log.abandon(read!, 'rejected', 'installation gone');
    expect((await log.get('k-moved'))?.status).toBe('sending');
  });

  test('a push recorded before tries were counted is still claimed, and the start back-fills the count of the others', async () => {
    const legacy = (key: string, attempts: unknown[]) => ({
      _id: key,
      status: attempts.length ? 'sending' : 'pending',
      attempts,
      createdAt: new Date(),
      updatedAt: new Date(),
    });
    await log.collection.insertOne(legacy('k-legacy', []) as never);
    // Claimed before any back-fill: the compare-and-set takes the missing count as null.
    expect(await log.claim('k-legacy', new Date(), timeoutMs)).toEqual({ attempt: 1 });
    expect((await log.collection.findOne({ _id: 'k-legacy' } as never))?.tries).toBe(1);
    await log.collection.insertOne(
      legacy('k-legacy-2', [{ attempt: 1, at: new Date(), outcome: 'unknown', ms: 0 }]) as never,
    );
    const from = sent.length;
    await log.createIndexes();
    expect((await log.collection.findOne({ _id: 'k-legacy-2' } as never))?.tries).toBe(1);
    // The back-fill reads the log once, then writes each push by the claim index's exact keys.
    const unique = (await log.collection.indexes()).filter((i) => i.unique).map((i) => Object.keys(i.key));
    const scans = sent
      .slice(from)
      .filter((s) => !servedByIndex(s.filter, unique))
      .map((s) => s.command);
    expect(scans.filter((c) => c !== 'find')).toEqual([]);
  });
});
