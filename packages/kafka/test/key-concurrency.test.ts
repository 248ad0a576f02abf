import { defineEvent, newEvent } from '@orderpulse/contracts';
import {
  applyTopics,
  EventConsumer,
  EventProducer,
  KafkaClient,
  on,
  plannedTopics,
  TransientError,
} from '@orderpulse/kafka';
import { stackEnv, uniqueName, waitFor } from '@orderpulse/testkit';
import { z } from 'zod';

// One partition: every key shares it, so only working keys side by side lets one pass another.
const topic = uniqueName('keys');

const Stepped = defineEvent({
  type: 'ledger.stepped',
  version: 1,
  topic,
  summary: 'a numbered step of one ledger',
  schema: z.object({ step: z.number().int() }),
  example: { step: 1 },
});

const client = new KafkaClient({ brokers: stackEnv().KAFKA_BROKERS.split(','), clientId: 'key-concurrency-test' });
const producer = new EventProducer(client);
const consumers: EventConsumer[] = [];

const steps = (subject: string, ...ns: number[]) =>
  ns.map((step) => ({ topic, event: newEvent(Stepped, { source: 'test', subject, data: { step } }) }));

async function startConsumer(groupId: string, handle: (subject: string, step: number) => Promise<void>) {
  const consumer = new EventConsumer(client, {
    groupId,
    topics: [topic],
    hold: { initialDelayMs: 50, maxDelayMs: 200 },
    handlers: [on(Stepped, (event) => handle(event.subject, event.data.step))],
  });
  consumers.push(consumer);
  await consumer.start();
  return consumer;
}

/** The group's committed offset on the topic's one partition (-1 when nothing was committed). */
async function committed(groupId: string): Promise<number> {
  const admin = client.kafka.admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return Number(offsets!.partitions[0]!.offset);
  } finally {
    await admin.disconnect();
  }
}

/** The topic's end offset: where the messages published by a test start. */
async function end(): Promise<number> {
  const admin = client.kafka.admin();
  await admin.connect();
  try {
    return Number((await admin.fetchTopicOffsets(topic))[0]!.high);
  } finally {
    await admin.disconnect();
  }
}

beforeAll(async () => {
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

describe('keys worked side by side within a partition', () => {
  test('a key whose handler waits does not hold back the others, each key keeps its order, and no commit passes the waiting message', async () => {
    const groupId = uniqueName('group');
    const from = await end();
    const seen: string[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    await startConsumer(groupId, async (subject, step) => {
      if (subject === 'slow' && step === 1) await gate;
      seen.push(`${subject}${step}`);
    });
    // One publish: one batch, the slow key's first message ahead of the other key's.
    await producer.publish([...steps('slow', 1, 2, 3), ...steps('quick', 1, 2, 3)]);

    // One at a time, the quick key would wait behind the gate and this would time out.
    await waitFor(() => seen.includes('quick3'), { what: 'the quick key done while the slow one waits' });
    expect(seen).toEqual(['quick1', 'quick2', 'quick3']);
    expect(await committed(groupId)).toBeLessThanOrEqual(from);

    release();
    await waitFor(() => seen.length === 6, { what: 'every message handled' });
    expect(seen.filter((s) => s.startsWith('slow'))).toEqual(['slow1', 'slow2', 'slow3']);
    await waitFor(async () => (await committed(groupId)) === from + 6, { what: 'the whole batch committed' });
  });

  test('a transient failure rewinds the partition to the earliest held message: its key resumes in order, and other keys come again', async () => {
    const groupId = uniqueName('group');
    const from = await end();
    const seen: string[] = [];
    let failed = false;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    await startConsumer(groupId, async (subject, step) => {
      if (subject === 'held' && step === 2 && !failed) {
        // Fails only once the other key is done: the rewind must bring that key's messages round again.
        await gate;
        failed = true;
        throw new TransientError('the database went away');
      }
      seen.push(`${subject}${step}`);
      if (subject === 'other' && step === 2) release();
    });
    await producer.publish([...steps('held', 1, 2, 3), ...steps('other', 1, 2)]);

    await waitFor(() => seen.includes('held3'), { what: 'the held key finished after its hold' });
    const held = seen.filter((s) => s.startsWith('held'));
    expect(held).toEqual(['held1', 'held2', 'held3']);
    // Done before the failure, passed by the rewind, so handled again (handlers are idempotent).
    expect(seen.filter((s) => s === 'other1').length).toBeGreaterThanOrEqual(1);
    await waitFor(() => seen.filter((s) => s === 'other2').length >= 2, { what: 'the other key handled again' });
    await waitFor(async () => (await committed(groupId)) === from + 5, { what: 'the whole batch committed' });
  });
});
