import { stackEnv, uniqueName, waitFor } from '@orderpulse/testkit';
import { Redis } from 'ioredis';
import mongoose from 'mongoose';

import { RecipientChanges } from '../src/data-access/recipient-changes';
import { RegistryRepository } from '../src/data-access/registry.repository';
import type { RecipientKey } from '../src/domain/recipients';

const env = stackEnv();
const prefix = uniqueName('recipient-cache');
const redis = new Redis(env.REDIS_URL, { maxRetriesPerRequest: null });
let connection: mongoose.Connection;
/** The reads of the recipients collection the driver sent. */
let reads = 0;
const open: RecipientChanges[] = [];

/** One instance's registry: its own subscriber on the change feed, profiles reused for an hour. */
async function instance(): Promise<{ registry: RegistryRepository; subscriber: Redis; changes: RecipientChanges }> {
  const subscriber = redis.duplicate();
  const changes = new RecipientChanges(redis, subscriber, prefix, { heartbeatMs: 100 });
  await changes.start();
  await waitFor(() => changes.live, { what: 'the first heartbeat back' });
  open.push(changes);
  const registry = new RegistryRepository(connection.db!, { recipientCacheMs: 3_600_000, changes });
  return { registry, subscriber, changes };
}

const device = (installationId: string) => ({
  installationId,
  appCode: 'app-r',
  platform: 'ios' as const,
  token: `token-${installationId}`,
  registeredAt: new Date(),
  registeredBy: { role: 'customer' as const, subject: 'c-1' },
});

/**
 * Waits until a read of `key` is answered without the database. Each registration is also heard
 * back over pub/sub a moment later (its own instance's too), and a read before that is not kept.
 */
const reused = (registry: RegistryRepository, key: RecipientKey) =>
  waitFor(
    async () => {
      await registry.recipient(key);
      const before = reads;
      await registry.recipient(key);
      return reads === before;
    },
    { what: `a read of ${key} without the database` },
  );

const installations = async (registry: RegistryRepository, key: RecipientKey) =>
  (await registry.recipient(key)).devices.map((d) => d.installationId).sort();

beforeAll(async () => {
  connection = await mongoose
    .createConnection(env.MONGO_URL, { dbName: uniqueName('notification_recipient_cache'), monitorCommands: true })
    .asPromise();
  connection.getClient().on('commandStarted', (e) => {
    if (e.commandName === 'find' && e.command.find === 'recipients') reads += 1;
  });
});

afterAll(async () => {
  await Promise.all(open.map((c) => c.stop()));
  redis.disconnect();
  await connection.dropDatabase();
  await connection.close();
});

describe("recipients' profiles reused between events", () => {
  test('a profile read once is reused without a read; a device registered on another instance is seen by the next read', async () => {
    const a = await instance();
    const b = await instance();
    const key = 'customer:c-1' as RecipientKey;
    await b.registry.register(key, device('i-1'));
    await reused(a.registry, key);
    expect(await installations(a.registry, key)).toEqual(['i-1']);

    await b.registry.register(key, device('i-2'));
    // The change reaches `a` over pub/sub; its next read goes to the database and sees both.
    await waitFor(() => installations(a.registry, key), {
      until: (ids) => ids.length === 2,
      what: "the other instance's registration",
    });
    expect(await installations(a.registry, key)).toEqual(['i-1', 'i-2']);
    // Removing and muting are changes too.
    await b.registry.unregister(key, 'i-1');
    await waitFor(() => installations(a.registry, key), { until: (ids) => ids.length === 1, what: 'the removal' });
    await b.registry.setPreferences(key, { muted: ['delivery_progress'] });
    await waitFor(async () => (await a.registry.recipient(key)).muted, {
      until: (muted) => muted.includes('delivery_progress'),
      what: 'the preference',
    });
  });

  test('an instance that cannot hear changes reuses nothing, and forgets everything when it hears again', async () => {
    const a = await instance();
    const key = 'customer:c-2' as RecipientKey;
    await a.registry.register(key, device('j-1'));
    await reused(a.registry, key);
    // A change nobody is told of: written past the change feed, as a change whose message was lost.
    const untold = new RegistryRepository(connection.db!);
    await untold.register(key, device('j-2'));
    expect(await installations(a.registry, key)).toEqual(['j-1']);

    // The subscriber's connection drops (as in a network fault), and is made again at once.
    const dropped = new Promise((resolve) => a.subscriber.once('close', resolve));
    await redis.client('KILL', 'ID', await clientIdOf(a.subscriber));
    await dropped;
    expect(a.changes.live).toBe(false);
    // Once it hears again, what it remembered from before is gone: the untold change is seen.
    await waitFor(() => a.changes.live, { what: 'the subscriber back' });
    expect(await installations(a.registry, key)).toEqual(['j-1', 'j-2']);
  });

  test('an instance that stops hearing its own heartbeat, its connection seemingly fine, reuses nothing until it hears again', async () => {
    const a = await instance();
    const key = 'customer:c-4' as RecipientKey;
    await a.registry.register(key, device('m-1'));
    await reused(a.registry, key);
    // The subscription is gone while the connection stays up (as when a network path drops silently).
    await a.subscriber.unsubscribe(`${prefix}:recipient-changed`);
    const untold = new RegistryRepository(connection.db!);
    await untold.register(key, device('m-2'));
    await waitFor(() => !a.changes.live, { what: 'the heartbeat missed' });
    const before = reads;
    expect(await installations(a.registry, key)).toEqual(['m-1', 'm-2']);
    expect(reads).toBe(before + 1);
    await a.subscriber.subscribe(`${prefix}:recipient-changed`);
    await waitFor(() => a.changes.live, { what: 'the heartbeat heard again' });
    await reused(a.registry, key);
    expect(await installations(a.registry, key)).toEqual(['m-1', 'm-2']);
  });

  test('nothing is reused without the change feed', async () => {
    const registry = new RegistryRepository(connection.db!, { recipientCacheMs: 3_600_000 });
    const key = 'customer:c-3' as RecipientKey;
    await registry.register(key, device('k-1'));
    await registry.recipient(key);
    const before = reads;
    await registry.recipient(key);
    expect(reads).toBe(before + 1);
  });
});

/** The Redis client id of a connection, found by its local port in `CLIENT LIST`. */
async function clientIdOf(connection: Redis): Promise<string> {
  const port = (connection.stream as { localPort?: number } | undefined)?.localPort;
  const clients = (await redis.client('LIST')) as string;
  const line = clients.split('\n').find((l) => port !== undefined && l.includes(`:${port} `));
  const id = line ? /id=(\d+)/.exec(line)?.[1] : undefined;
  if (!id) throw new Error(`no client on local port ${port} in CLIENT LIST`);
  return id;
}
