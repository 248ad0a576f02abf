import { join } from 'node:path';

import { defineEvent, newEvent } from '@orderpulse/contracts';
import { applyTopics, EventConsumer, EventProducer, KafkaClient, on, plannedTopics } from '@orderpulse/kafka';
import { ensureOutboxIndexes, outboxForInsert, OutboxRelay, type StoredDocument, withEvents } from '@orderpulse/outbox';
import { ChildService, stackEnv, uniqueName, waitFor } from '@orderpulse/testkit';
import mongoose from 'mongoose';
import { z } from 'zod';

const env = stackEnv();
const database = uniqueName('backbone');
const fixtures = join(__dirname, 'fixtures');
const client = new KafkaClient({ brokers: env.KAFKA_BROKERS.split(','), clientId: 'backbone-test' });

let connection: mongoose.Connection;
const db = () => connection.db!;
/** Documents here have string ids: aggregate ids, as the services use. */
const docs = (name: string) => db().collection<StoredDocument>(name);
const stoppers: (() => Promise<unknown>)[] = [];

function deposited(topic: string) {
  return defineEvent({
    type: 'ledger.deposited',
    version: 1,
    topic,
    summary: 'money came in',
    schema: z.object({ amount: z.number().int() }),
    example: { amount: 1 },
  });
}

async function createTopic(partitions: number): Promise<string> {
  const topic = uniqueName('ledger');
  await applyTopics(
    client,
    plannedTopics({
      defaults: { partitions, replicationFactor: 1 },
      deadLetter: { partitions: 1 },
      topics: [{ name: topic, consumedBy: ['test'] }],
    }),
  );
  return topic;
}

function child(script: string, extra: Record<string, string>): ChildService {
  const service = new ChildService(process.execPath, [join(fixtures, script)], {
    PATH: process.env.PATH,
    KAFKA_BROKERS: env.KAFKA_BROKERS,
    MONGO_URL: env.MONGO_URL,
    MONGO_DB: database,
    ...extra,
  }).start();
  stoppers.push(() => service.kill('SIGTERM'));
  return service;
}

async function balance(account: string) {
  return db().collection<{ _id: string; balance: number; applied: string[] }>('balances').findOne({ _id: account });
}

beforeAll(async () => {
  connection = await mongoose.createConnection(env.MONGO_URL, { dbName: database }).asPromise();
  await ensureOutboxIndexes(docs('accounts'));
});

afterAll(async () => {
  for (const stop of stoppers.reverse()) await stop();
  await connection.dropDatabase();
  await connection.close();
});

describe('the event backbone', () => {
  test('an event written through the outbox is applied exactly once when the relay is killed between publish and clear', async () => {
    const topic = await createTopic(3);
    const Deposited = deposited(topic);
    const account = uniqueName('acct');
    const events = [5, 7, -2].map((amount) => ({
      topic,
      event: newEvent(Deposited, { source: 'test', subject: account, data: { amount } }),
    }));
    const accounts = docs('accounts');
    // State and events in one write: the account document carries its own outbox.
    await accounts.insertOne({ _id: account, opened: true, ...outboxForInsert(events.slice(0, 1)) });
    await accounts.updateOne({ _id: account }, withEvents({ $set: { touched: true } }, events.slice(1)));
    await docs('balances').insertOne({ _id: account, balance: 0, applied: [] });

    const seen: string[] = [];
    const consumer = new EventConsumer(client, {
      groupId: uniqueName('ledger-group'),
      topics: [topic],
      handlers: [
        on(Deposited, async (event) => {
          seen.push(event.id);
          // Applied once: the deposit's id joins `applied` in the same conditional write that adds it.
          await db()
            .collection<{ _id: string }>('balances')
            .updateOne(
              { _id: event.subject, applied: { $ne: event.id } },
              { $inc: { balance: event.data.amount }, $push: { applied: event.id } },
            );
        }),
      ],
    });
    stoppers.push(() => consumer.stop());
    await consumer.start();

    const doomed = child('relay-process.js', { COLLECTION: 'accounts', LEASE_MS: '1500', KILL_AFTER_PUBLISH: '1' });
    expect(await doomed.exited()).toBe('SIGKILL');
    expect(doomed.output.some((line) => line.startsWith('published'))).toBe(true);
    expect((await accounts.findOne({ _id: account }))?.outbox).toHaveLength(3);

    child('relay-process.js', { COLLECTION: 'accounts', LEASE_MS: '1500' });
    await waitFor(
      async () => ((await accounts.findOne({ _id: account }))?.outbox as unknown[] | undefined)?.length === 0,
      { what: 'the outbox to be cleared' },
    );
    await waitFor(() => seen.length >= 6, { what: 'both publications to arrive' });

    const after = await balance(account);
    expect(after?.balance).toBe(10);
    expect(after?.applied).toEqual(events.map((e) => e.event.id));
    expect(seen.filter((id) => id === events[0]!.event.id)).toHaveLength(2);
    expect(await accounts.findOne({ _id: account }, { projection: { outboxLeaseUntil: 1 } })).not.toHaveProperty(
      'outboxLeaseUntil',
    );
  });

  test('a consumer killed mid-batch reprocesses from its last commit with no duplicate effect', async () => {
    const topic = await createTopic(1);
    const Deposited = deposited(topic);
    const account = uniqueName('acct');
    await docs('balances').insertOne({ _id: account, balance: 0, applied: [] });
    const events = Array.from({ length: 20 }, (_, i) => ({
      topic,
      event: newEvent(Deposited, { source: 'test', subject: account, data: { amount: i + 1 } }),
    }));
    const producer = new EventProducer(client);
    stoppers.push(() => producer.disconnect());
    await producer.publish(events);

    const group = uniqueName('killed-group');
    const doomed = child('consumer-process.js', { TOPIC: topic, GROUP_ID: group, KILL_AFTER: '7' });
    expect(await doomed.exited()).toBe('SIGKILL');
    expect((await balance(account))?.applied).toHaveLength(7);

    child('consumer-process.js', { TOPIC: topic, GROUP_ID: group });
    await waitFor(async () => (await balance(account))?.applied.length === 20, {
      what: 'all 20 deposits',
      timeoutMs: 45_000,
    });

    const after = await balance(account);
    expect(after?.balance).toBe(210);
    expect(after?.applied).toEqual(events.map((e) => e.event.id));
    const deliveries = await db()
      .collection<{ _id: string; times: number }>('deliveries')
      .find({ _id: { $in: events.map((e) => e.event.id) } })
      .toArray();
    // The killed consumer had not committed: what it applied was delivered again and absorbed.
    expect(deliveries.filter((d) => d.times > 1).length).toBeGreaterThanOrEqual(7);
  });

  test('events appended while the relay runs all go out in order, and the document is left clean', async () => {
    const topic = await createTopic(3);
    const Deposited = deposited(topic);
    const account = uniqueName('acct');
    const accounts = docs('accounts');
    await docs('accounts').insertOne({ _id: account, version: 0 });
    await docs('balances').insertOne({ _id: account, balance: 0, applied: [] });

    const producer = new EventProducer(client);
    stoppers.push(() => producer.disconnect());
    const relay = new OutboxRelay({ collection: accounts, publisher: producer, pollIntervalMs: 50 });
    relay.start();
    stoppers.push(() => relay.stop());
    const seen: string[] = [];
    const consumer = new EventConsumer(client, {
      groupId: uniqueName('order-group'),
      topics: [topic],
      handlers: [on(Deposited, async (event) => void seen.push(event.id))],
    });
    stoppers.push(() => consumer.stop());
    await consumer.start();

    const written: string[] = [];
    for (let version = 0; version < 30; version += 1) {
      const event = newEvent(Deposited, { source: 'test', subject: account, data: { amount: 1 } });
      const result = await docs('accounts').updateOne(
        { _id: account, version },
        withEvents({ $inc: { version: 1 } }, [{ topic, event }]),
      );
      expect(result.modifiedCount).toBe(1);
      written.push(event.id);
      relay.announce(account);
    }
    await waitFor(() => seen.length >= 30, { what: '30 events' });
    expect(seen).toEqual(written);
    await waitFor(
      async () => {
        const doc = await docs('accounts').findOne({ _id: account });
        return (doc?.outbox as unknown[]).length === 0 && doc?.outboxLeaseUntil === undefined;
      },
      { what: 'the document to be clean' },
    );
  });
});
