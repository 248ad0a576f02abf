import { defineEvent, deadLetterTopic, newEvent } from '@orderpulse/contracts';
import {
  applyTopics,
  EventConsumer,
  EventProducer,
  failureKind,
  KafkaClient,
  on,
  plannedTopics,
  TransientError,
} from '@orderpulse/kafka';
import { stackEnv, TcpProxy, uniqueName, waitFor } from '@orderpulse/testkit';
import { mongo } from 'mongoose';
import { z } from 'zod';

const topic = uniqueName('hold');
const dlq = deadLetterTopic(topic);

const Credited = defineEvent({
  type: 'account.credited',
  version: 1,
  topic,
  summary: 'money came in',
  schema: z.object({ amount: z.number().int().positive() }),
  example: { amount: 5 },
});

const env = stackEnv();
const client = new KafkaClient({ brokers: env.KAFKA_BROKERS.split(','), clientId: 'hold-test' });
const producer = new EventProducer(client);
const target = new URL(env.MONGO_URL);
const proxy = new TcpProxy(target.hostname, Number(target.port || 27017));
let mongoClient: mongo.MongoClient;
let consumer: EventConsumer | undefined;

/** Every message on the dead-letter topic, read to its end. */
async function deadLetters(): Promise<number> {
  const admin = client.kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(dlq);
    return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}

beforeAll(async () => {
  await applyTopics(
    client,
    plannedTopics({
      defaults: { partitions: 2, replicationFactor: 1 },
      deadLetter: { partitions: 1 },
      topics: [{ name: topic, consumedBy: ['test'] }],
    }),
  );
  await producer.connect();
  await proxy.start();
  // Short server selection, so an outage fails each try fast: the old runner's four tries are over in seconds.
  mongoClient = new mongo.MongoClient(`mongodb://127.0.0.1:${proxy.port}`, {
    serverSelectionTimeoutMS: 500,
    connectTimeoutMS: 500,
    directConnection: true,
  });
  await mongoClient.connect();
});

afterAll(async () => {
  await consumer?.stop();
  await producer.disconnect();
  await mongoClient.close();
  await proxy.stop();
});

describe('a transient outage of a dependency', () => {
  test('while MongoDB is unreachable for longer than the retry budget, events wait in their partitions: none is dead-lettered, each is applied once when it returns', async () => {
    const credits = mongoClient.db(uniqueName('hold')).collection<{ _id: string; amount: number }>('credits');
    const failures: string[] = [];
    consumer = new EventConsumer(client, {
      groupId: uniqueName('group'),
      topics: [topic],
      retry: { attempts: 3, initialDelayMs: 10, maxDelayMs: 50 },
      hold: { initialDelayMs: 100, maxDelayMs: 1_000 },
      handlers: [
        on(Credited, async (event) => {
          try {
            // insertOnce-style: the event id is the key, so a redelivery is a duplicate, not a second effect.
            await credits.updateOne(
              { _id: event.id },
              { $setOnInsert: { amount: event.data.amount } },
              { upsert: true },
            );
          } catch (error) {
            failures.push(failureKind(error));
            throw error;
          }
        }),
      ],
    });
    await consumer.start();
    const before = await deadLetters();

    await proxy.cut();
    const events = Array.from({ length: 12 }, (_, i) =>
      newEvent(Credited, { source: 'test', subject: `acct-${i % 4}`, data: { amount: i + 1 } }),
    );
    await producer.publish(events.slice(0, 6).map((event) => ({ topic, event })));
    await waitFor(() => failures.length >= 6, {
      what: 'handlers failing against the unreachable database',
      timeoutMs: 20_000,
    });
    await waitFor(() => consumer?.status().held, { what: 'a held partition' });
    await producer.publish(events.slice(6).map((event) => ({ topic, event })));
    // Far past the old budget (three tries within a second), the partitions are still held.
    await waitFor(() => failures.length >= 12, { what: 'more failed tries while the outage lasts', timeoutMs: 20_000 });
    expect(await deadLetters()).toBe(before);
    await proxy.restore();

    await waitFor(() => credits.countDocuments(), {
      until: (n) => n === events.length,
      what: 'every event applied',
      timeoutMs: 40_000,
    });
    const stored = await credits.find().toArray();
    expect(stored.map((d) => d._id).sort()).toEqual(events.map((e) => e.id).sort());
    expect(failures.every((kind) => kind === 'transient')).toBe(true);
    expect(await deadLetters()).toBe(before);
    await waitFor(() => consumer?.status().held === 0, { what: 'no partition held' });
  });
});

describe('failureKind', () => {
  test('names dependency outages transient, explicit refusals permanent, anything else unknown', () => {
    expect(failureKind(new TransientError('no delivery terminal registered yet'))).toBe('transient');
    expect(
      failureKind(
        Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:27017'), { name: 'MongoServerSelectionError' }),
      ),
    ).toBe('transient');
    expect(
      failureKind(
        Object.assign(new Error('write failed'), { name: 'MongoServerError', errorLabels: ['RetryableWriteError'] }),
      ),
    ).toBe('transient');
    expect(
      failureKind(Object.assign(new Error('SlowDown'), { name: 'SlowDown', $metadata: { httpStatusCode: 503 } })),
    ).toBe('transient');
    expect(failureKind(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe('transient');
    expect(
      failureKind(new Error('wrapped', { cause: Object.assign(new Error('x'), { name: 'MongoNetworkError' }) })),
    ).toBe('transient');
    expect(
      failureKind(Object.assign(new Error('broker gone'), { name: 'KafkaJSConnectionError', retriable: true })),
    ).toBe('transient');
    // A full Redis under noeviction, and a command given up after its retries while Redis is away.
    expect(
      failureKind(
        Object.assign(new Error("OOM command not allowed when used memory > 'maxmemory'."), { name: 'ReplyError' }),
      ),
    ).toBe('transient');
    expect(
      failureKind(
        Object.assign(new Error('Reached the max retries per request limit (which is 1).'), {
          name: 'MaxRetriesPerRequestError',
        }),
      ),
    ).toBe('transient');
    expect(failureKind(Object.assign(new Error('order is unknown'), { retryable: false }))).toBe('permanent');
    expect(
      failureKind(Object.assign(new Error('E11000 duplicate key'), { name: 'MongoServerError', code: 11000 })),
    ).toBe('unknown');
    expect(failureKind(new Error('a bug'))).toBe('unknown');
  });
});
