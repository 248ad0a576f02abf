import { defineEvent, newEvent, encodeEnvelope, deadLetterTopic } from '@orderpulse/contracts';
import {
  applyTopics,
  DeadLetterHeader,
  EventConsumer,
  EventProducer,
  KafkaClient,
  on,
  plannedTopics,
  replayDeadLetters,
  ReplayedFromHeader,
} from '@orderpulse/kafka';
import { stackEnv, uniqueName, waitFor } from '@orderpulse/testkit';
import { type KafkaMessage } from 'kafkajs';
import { z } from 'zod';

const topic = uniqueName('consumer');
const dlq = deadLetterTopic(topic);

const Deposited = defineEvent({
  type: 'account.deposited',
  version: 1,
  topic,
  summary: 'money came in',
  schema: z.object({ amount: z.number().int().positive() }),
  example: { amount: 5 },
});

const client = new KafkaClient({ brokers: stackEnv().KAFKA_BROKERS.split(','), clientId: 'consumer-test' });
const producer = new EventProducer(client);
const consumers: EventConsumer[] = [];

/** A deposit event; the amount is set after validation so that tests can send invalid ones. */
function deposit(subject: string, amount: number) {
  const event = newEvent(Deposited, { source: 'test', subject, data: { amount: 1 } });
  return { topic, event: { ...event, data: { amount } } };
}

async function startConsumer(
  handle: (amount: number, subject: string, id: string) => Promise<void>,
  retry = { attempts: 3, initialDelayMs: 10, maxDelayMs: 50 },
) {
  const consumer = new EventConsumer(client, {
    groupId: uniqueName('group'),
    topics: [topic],
    retry,
    handlers: [on(Deposited, (event) => handle(event.data.amount, event.subject, event.id))],
  });
  consumers.push(consumer);
  await consumer.start();
  return consumer;
}

/** Every message on a topic up to `count`, read with the Kafka client itself. */
async function readTopic(name: string, count: number): Promise<KafkaMessage[]> {
  const seen: KafkaMessage[] = [];
  const reader = client.kafka.consumer({ groupId: uniqueName('reader') });
  await reader.connect();
  await reader.subscribe({ topic: name, fromBeginning: true });
  await reader.run({
    eachMessage: async ({ message }) => {
      seen.push(message);
    },
  });
  try {
    await waitFor(() => seen.length >= count, { what: `${count} messages on ${name}`, timeoutMs: 20_000 });
  } finally {
    await reader.disconnect();
  }
  return seen;
}

const header = (m: KafkaMessage, name: string) => m.headers?.[name]?.toString();

beforeAll(async () => {
  // One partition: the test is about what happens to the message after a bad one on the same partition.
  await applyTopics(
    client,
    plannedTopics({
      defaults: { partitions: 1, replicationFactor: 1 },
      deadLetter: { partitions: 1 },
      topics: [{ name: topic, consumedBy: ['test'] }],
    }),
  );
  await producer.connect();
});

afterAll(async () => {
  await Promise.all(consumers.map((c) => c.stop()));
  await producer.disconnect();
});

describe('the consumer runner', () => {
  test('a malformed message goes to the dead-letter topic with its reason, and the next message on the partition is processed', async () => {
    const subject = uniqueName('acct');
    const handled: number[] = [];
    await startConsumer(async (amount, s) => {
      if (s === subject) handled.push(amount);
    });

    await producer.forward([
      { topic, key: subject, value: 'not json at all', headers: encodeEnvelope(deposit(subject, 1).event).headers },
    ]);
    await producer.forward([
      { topic, key: subject, value: '{"amount":1}', headers: { 'x-something': 'without ce headers' } },
    ]);
    await producer.publish([deposit(subject, -3)]);
    await producer.publish([deposit(subject, 42)]);

    await waitFor(() => handled.includes(42), { what: 'the valid message after the bad ones' });
    expect(handled).toEqual([42]);

    const dead = (await readTopic(dlq, 3)).filter((m) => m.key?.toString() === subject);
    expect(dead.map((m) => header(m, DeadLetterHeader.reason))).toEqual([
      'message body is not JSON',
      expect.stringContaining('not a CloudEvent: missing header ce_id'),
      expect.stringContaining('account.deposited data is invalid: amount'),
    ]);
    for (const m of dead) {
      expect(header(m, DeadLetterHeader.originalTopic)).toBe(topic);
      expect(header(m, DeadLetterHeader.originalPartition)).toBe('0');
      expect(Number(header(m, DeadLetterHeader.originalOffset))).toBeGreaterThanOrEqual(0);
    }
  });

  test('a handler that fails twice is retried and its message processed once, without a dead letter', async () => {
    const subject = uniqueName('acct');
    let calls = 0;
    const done: number[] = [];
    await startConsumer(async (amount, s) => {
      if (s !== subject) return;
      calls += 1;
      if (calls <= 2) throw new Error('database hiccup');
      done.push(amount);
    });
    await producer.publish([deposit(subject, 7)]);
    await waitFor(() => done.length === 1, { what: 'the retried message' });
    expect(calls).toBe(3);
  });

  test('a handler that keeps failing dead-letters the message after its attempts, and a replay brings it back', async () => {
    const subject = uniqueName('acct');
    const other = uniqueName('acct');
    let broken = true;
    const attempts: string[] = [];
    const done: number[] = [];
    await startConsumer(async (amount, s) => {
      if (s !== subject && s !== other) return;
      attempts.push(s);
      if (broken) throw new Error('downstream is down');
      if (s === subject) done.push(amount);
    });
    await producer.publish([deposit(subject, 9), deposit(other, 1)]);

    const dead = await waitFor(
      async () => (await readTopic(dlq, 1)).filter((m) => [subject, other].includes(m.key?.toString() ?? '')),
      { until: (ms) => ms.length === 2, what: 'both messages in the dead-letter topic', timeoutMs: 30_000 },
    );
    expect(dead.map((m) => header(m, DeadLetterHeader.attempts))).toEqual(['3', '3']);
    expect(header(dead[0]!, DeadLetterHeader.reason)).toBe('Error: downstream is down');
    expect(attempts.filter((s) => s === subject)).toHaveLength(3);

    broken = false;
    const result = await replayDeadLetters(client, dlq, { key: subject });
    expect(result.replayed).toBe(1);
    await waitFor(() => done.includes(9), { what: 'the replayed message to be processed' });

    const replayed = (await readTopic(topic, 1)).filter(
      (m) => header(m, ReplayedFromHeader) !== undefined && m.key?.toString() === subject,
    );
    expect(replayed).toHaveLength(1);
    expect(header(replayed[0]!, DeadLetterHeader.reason)).toBeUndefined();
    expect(attempts.filter((s) => s === other)).toHaveLength(3);
  });

  test('a non-retryable error dead-letters at once', async () => {
    const subject = uniqueName('acct');
    let calls = 0;
    await startConsumer(async (_amount, s) => {
      if (s !== subject) return;
      calls += 1;
      throw Object.assign(new Error('order is unknown'), { retryable: false });
    });
    await producer.publish([deposit(subject, 3)]);
    const dead = await waitFor(async () => (await readTopic(dlq, 1)).filter((m) => m.key?.toString() === subject), {
      until: (ms) => ms.length === 1,
      what: 'the dead letter',
      timeoutMs: 30_000,
    });
    expect(header(dead[0]!, DeadLetterHeader.attempts)).toBe('1');
    expect(calls).toBe(1);
  });

  test('a consumer that crashes (kafkajs gives up on it) is restarted with backoff, and the message is processed once', async () => {
    const subject = uniqueName('acct');
    const done: number[] = [];
    let crashes = 0;
    const consumer = new EventConsumer(client, {
      groupId: uniqueName('group'),
      topics: [topic],
      handlers: [
        on(Deposited, async (event) => {
          if (event.subject === subject) done.push(event.data.amount);
        }),
      ],
      // A fault outside the handler: kafkajs crashes the consumer and does not restart it itself.
      around: async (context, work) => {
        if (context.subject === subject && crashes === 0) {
          crashes += 1;
          throw Object.assign(new Error('runner fault'), { retriable: false });
        }
        return work();
      },
    });
    consumers.push(consumer);
    await consumer.start();
    await producer.publish([deposit(subject, 11)]);
    await waitFor(() => done.includes(11), { what: 'the message after the restart', timeoutMs: 30_000 });
    expect(done).toEqual([11]);
    expect(crashes).toBe(1);
    expect(consumer.status()).toMatchObject({ state: 'running', restarts: 1 });
  });
});
