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
  TransientError,
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

/** Each value at its first appearance, in order: what a consumer saw, redeliveries aside. */
const firsts = (xs: string[]) => [...new Set(xs)];

/** The topic's one partition, as the admin client sees it: a group's committed offset (-1: none), or the end. */
async function offsetOf(groupId?: string): Promise<number> {
  const admin = client.kafka.admin();
  await admin.connect();
  try {
    if (!groupId) return Number((await admin.fetchTopicOffsets(topic))[0]!.high);
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return Number(offsets!.partitions[0]!.offset);
  } finally {
    await admin.disconnect();
  }
}

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

/** A gate a handler waits at until the test opens it. */
function gate(): { passed: Promise<void>; open: () => void } {
  let open: () => void = () => undefined;
  const passed = new Promise<void>((resolve) => (open = resolve));
  return { passed, open };
}

/**
 * A consumer in a group of its own, started, that handles only the messages of its keys, each a
 * unique subject named by a label: `handle` runs first, then `seen` gets `${label}${amount}`.
 * `from` is the topic's end before it started; `publish` sends [label, amount] pairs in one request.
 */
async function keyedConsumer(labels: string[], handle: (label: string, amount: number) => Promise<void>) {
  const subjects = Object.fromEntries(labels.map((label) => [label, uniqueName(label)]));
  const labelOf = new Map(Object.entries(subjects).map(([label, subject]) => [subject, label]));
  const groupId = uniqueName('group');
  const from = await offsetOf();
  const seen: string[] = [];
  const consumer = new EventConsumer(client, {
    groupId,
    topics: [topic],
    hold: { initialDelayMs: 50, maxDelayMs: 200 },
    handlers: [
      on(Deposited, async ({ subject, data: { amount } }) => {
        const label = labelOf.get(subject);
        if (!label) return;
        await handle(label, amount);
        seen.push(`${label}${amount}`);
      }),
    ],
  });
  consumers.push(consumer);
  await consumer.start();
  const publish = (...pairs: [string, number][]) =>
    producer.publish(pairs.map(([label, amount]) => deposit(subjects[label]!, amount)));
  return { groupId, from, seen, publish };
}

describe('keys worked side by side within a partition', () => {
  test('a key whose handler waits does not hold back the others, each key keeps its order, and no commit passes the waiting message', async () => {
    const slow = gate();
    const { groupId, from, seen, publish } = await keyedConsumer(['slow', 'quick'], async (label, amount) => {
      if (label === 'slow' && amount === 1) await slow.passed;
    });
    // One publish, so one batch, with the slow key's first message ahead of the other key's.
    await publish(['slow', 1], ['quick', 1], ['slow', 2], ['quick', 2], ['slow', 3], ['quick', 3]);

    // One message at a time, the quick key would wait behind the gate and this would time out.
    await waitFor(() => seen.includes('quick3'), { what: 'the quick key done while the slow one waits' });
    expect(seen).toEqual(['quick1', 'quick2', 'quick3']);
    expect(await offsetOf(groupId)).toBeLessThanOrEqual(from);

    slow.open();
    await waitFor(() => seen.length === 6, { what: 'every message handled' });
    expect(seen.filter((s) => s.startsWith('slow'))).toEqual(['slow1', 'slow2', 'slow3']);
    await waitFor(() => offsetOf(groupId), { until: (o) => o === from + 6, what: 'the whole batch committed' });
  });

  test('a transient failure rewinds the partition to the earliest held message: its key resumes in order, and other keys come again', async () => {
    const otherDone = gate();
    let failed = false;
    const { groupId, from, seen, publish } = await keyedConsumer(['held', 'other'], async (label, amount) => {
      if (label === 'held' && amount === 2 && !failed) {
        // Fails once the other key is done: the rewind must bring that key's messages round again.
        await otherDone.passed;
        failed = true;
        throw new TransientError('the database went away');
      }
      if (label === 'other' && amount === 2) otherDone.open();
    });
    await publish(['held', 1], ['held', 2], ['held', 3], ['other', 1], ['other', 2]);

    await waitFor(() => seen.includes('held3'), { what: 'the held key finished after its hold' });
    // What the rewind passes comes again, so a key may be seen twice, but always in its order.
    expect(firsts(seen.filter((s) => s.startsWith('held')))).toEqual(['held1', 'held2', 'held3']);
    // Done before the failure, after the held message: handled again (handlers are idempotent).
    await waitFor(() => seen.filter((s) => s === 'other2').length, {
      until: (n) => n >= 2,
      what: 'the other key again',
    });
    await waitFor(() => offsetOf(groupId), { until: (o) => o === from + 5, what: 'the whole batch committed' });
  });

  test("a hold on one key does not skip another key's message that had not started before it", async () => {
    const first = gate();
    let failed = false;
    const { groupId, from, seen, publish } = await keyedConsumer(['a', 'b'], async (label, amount) => {
      if (label === 'a' && amount === 1) await first.passed;
      if (label === 'b' && !failed) {
        // Held while a's second message (an offset before this one) waits behind a's first.
        failed = true;
        setTimeout(first.open, 100);
        throw new TransientError('the database went away');
      }
    });
    await publish(['a', 1], ['a', 2], ['b', 1]);

    await waitFor(() => offsetOf(groupId), { until: (o) => o === from + 3, what: 'the whole batch committed' });
    expect(firsts(seen.filter((x) => x.startsWith('a')))).toEqual(['a1', 'a2']);
    expect(seen).toContain('b1');
  });

  test('a lane that fails (a heartbeat refused in a rebalance) ends the batch only after every other lane has stopped', async () => {
    const steps: string[] = [];
    const first = gate();
    const consumer = new EventConsumer(client, {
      groupId: uniqueName('group'),
      topics: [topic],
      handlers: [
        on(Deposited, async ({ subject, data: { amount } }) => {
          steps.push(`start ${subject}${amount}`);
          if (subject === 'a' && amount === 1) await first.passed;
          steps.push(`end ${subject}${amount}`);
        }),
      ],
    });
    const messages = [deposit('a', 1), deposit('b', 1), deposit('a', 2)].map(({ event }, i) => {
      const wire = encodeEnvelope(event);
      const headers = Object.fromEntries(Object.entries(wire.headers).map(([k, v]) => [k, Buffer.from(v)]));
      return { offset: String(i), key: Buffer.from(String(wire.key)), value: Buffer.from(String(wire.value)), headers };
    });
    // kafkajs's eachBatch payload, as far as the runner uses it; the first heartbeat is refused.
    let beats = 0;
    const payload = {
      batch: { topic, partition: 0, messages },
      isRunning: () => true,
      isStale: () => false,
      resolveOffset: (offset: string) => steps.push(`resolve ${offset}`),
      heartbeat: async () => {
        beats += 1;
        if (beats === 1) throw Object.assign(new Error('The group is rebalancing'), { type: 'REBALANCE_IN_PROGRESS' });
      },
    };
    const batch = (consumer as unknown as { processBatch(c: unknown, p: unknown): Promise<void> }).processBatch(
      {},
      payload,
    );
    const ended = batch.then(
      () => 'resolved',
      (error: Error) => error.message,
    );
    void ended.then(() => steps.push('batch ended'));
    await waitFor(() => steps.includes('end b1'), { what: "b's message done" });
    first.open();
    expect(await ended).toBe('The group is rebalancing');
    // a's first message finished before the batch ended, and nothing started after the failure.
    expect(steps.indexOf('end a1')).toBeGreaterThanOrEqual(0);
    expect(steps.indexOf('batch ended')).toBeGreaterThan(steps.indexOf('end a1'));
    expect(steps).not.toContain('start a2');
    // Only what was done is resolved: a's second message never.
    expect(steps.filter((x) => x.startsWith('resolve'))).not.toContain('resolve 2');
  });
});
