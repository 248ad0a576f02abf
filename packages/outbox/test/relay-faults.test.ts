import { defineEvent, newEvent } from '@orderpulse/contracts';
import { applyTopics, EventProducer, type EventPublisher, KafkaClient, plannedTopics } from '@orderpulse/kafka';
import { ensureOutboxIndexes, outboxForInsert, OutboxRelay, withEvents } from '@orderpulse/outbox';
import { stackEnv, uniqueName, waitFor } from '@orderpulse/testkit';
import mongoose from 'mongoose';
import { z } from 'zod';

const env = stackEnv();
const client = new KafkaClient({ brokers: env.KAFKA_BROKERS.split(','), clientId: 'relay-faults-test' });
const producer = new EventProducer(client);
/** A producer whose broker is not there: its publishes fail as they do in a broker outage. */
const unreachable = new EventProducer(
  new KafkaClient({ brokers: ['127.0.0.1:1'], clientId: 'relay-faults-down', connectionTimeoutMs: 500 }),
);
const okTopic = uniqueName('relay-ok');
const smallTopic = uniqueName('relay-small');
let connection: mongoose.Connection;
type Doc = { _id: string } & Record<string, unknown>;
const relays: OutboxRelay[] = [];
const seen = new Map<string, string[]>();

const Noted = (topic: string) =>
  defineEvent({
    type: 'ledger.noted',
    version: 1,
    topic,
    summary: 'a note',
    schema: z.object({ text: z.string() }),
    example: { text: 'x' },
  });
const note = (topic: string, subject: string, text: string) => ({
  topic,
  event: newEvent(Noted(topic), { source: 'test', subject, data: { text } }),
});

async function collection() {
  const c = connection.db!.collection<Doc>(uniqueName('docs'));
  await ensureOutboxIndexes(c);
  return c;
}

beforeAll(async () => {
  await applyTopics(
    client,
    plannedTopics({
      defaults: { partitions: 1, replicationFactor: 1 },
      deadLetter: { partitions: 1 },
      topics: [
        { name: okTopic, consumedBy: ['test'] },
        // Kafka refuses any record batch above 1 KiB on this topic, for good.
        { name: smallTopic, consumedBy: ['test'], config: { 'max.message.bytes': '1024' } },
      ],
    }),
  );
  await producer.connect();
  connection = await mongoose.createConnection(env.MONGO_URL, { dbName: uniqueName('relay-faults') }).asPromise();
  const reader = client.kafka.consumer({ groupId: uniqueName('reader') });
  await reader.connect();
  await reader.subscribe({ topics: [okTopic, smallTopic], fromBeginning: true });
  await reader.run({
    eachMessage: async ({ topic, message }) => {
      seen.set(topic, [...(seen.get(topic) ?? []), message.headers?.ce_id?.toString() ?? '']);
    },
  });
  relays.push({ stop: () => reader.disconnect() } as unknown as OutboxRelay);
});

afterAll(async () => {
  await Promise.all(relays.map((r) => r.stop()));
  await producer.disconnect();
  await unreachable.disconnect();
  await connection.close();
});

describe('the outbox relay under faults', () => {
  test('an entry Kafka refuses for good is quarantined with its reason, and the rest of that document and the next document still go out', async () => {
    const docs = await collection();
    const poison = note(smallTopic, 'a-1', 'x'.repeat(4_000));
    const after = note(okTopic, 'a-1', 'after the big one');
    const other = note(okTopic, 'a-2', 'another aggregate');
    await docs.insertOne({ _id: 'a-1', ...outboxForInsert([poison, after]) });
    await docs.insertOne({ _id: 'a-2', ...outboxForInsert([other]) });
    const quarantined: string[] = [];
    const relay = new OutboxRelay({
      collection: docs,
      publisher: producer,
      onQuarantined: (entry) => quarantined.push(entry.id),
    });

    await relay.relayOnce();

    await waitFor(() => seen.get(okTopic) ?? [], {
      until: (ids) => ids.includes(after.event.id) && ids.includes(other.event.id),
      what: 'the healthy events on Kafka',
    });
    expect(seen.get(smallTopic) ?? []).not.toContain(poison.event.id);
    const first = await docs.findOne({ _id: 'a-1' });
    expect(first?.outbox).toEqual([]);
    expect(first?.outboxPending).toBeUndefined();
    expect(first?.outboxQuarantine).toEqual([
      expect.objectContaining({
        id: poison.event.id,
        topic: smallTopic,
        reason: expect.stringMatching(/larger than the max message size/i),
      }),
    ]);
    expect((await docs.findOne({ _id: 'a-2' }))?.outboxPending).toBeUndefined();
    expect(quarantined).toEqual([poison.event.id]);
    expect(relay.quarantined).toBe(1);
  });

  test('events written while Kafka is unreachable go out as soon as it is back, not after the lease', async () => {
    const docs = await collection();
    let down = true;
    let failed = 0;
    const publisher: EventPublisher = {
      publish: async (events) => {
        try {
          await (down ? unreachable : producer).publish(events);
        } catch (error) {
          failed += 1;
          throw error;
        }
      },
    };
    const relay = new OutboxRelay({ collection: docs, publisher, leaseMs: 30_000 });
    relays.push(relay);
    const event = note(okTopic, 'b-1', 'written during the outage');
    await docs.insertOne({ _id: 'b-1', ...outboxForInsert([event]) });
    relay.start();
    relay.announce('b-1');
    await waitFor(() => failed, { what: 'a publish failing against the unreachable broker', timeoutMs: 30_000 });

    down = false;
    const back = Date.now();
    await waitFor(() => seen.get(okTopic) ?? [], {
      until: (ids) => ids.includes(event.event.id),
      what: 'the event on Kafka',
      timeoutMs: 30_000,
    });
    // The round that saw the outage may still be finishing its own tries (~10 s); never the 30 s lease.
    expect(Date.now() - back).toBeLessThan(15_000);
    const doc = await docs.findOne({ _id: 'b-1' });
    expect(doc?.outbox).toEqual([]);
    expect(doc?.outboxLeaseUntil).toBeUndefined();
  });

  test('what a failed round did not send goes again by id in the next round, without waiting for a sweep', async () => {
    const docs = await collection();
    let down = true;
    const publisher: EventPublisher = { publish: (events) => (down ? unreachable : producer).publish(events) };
    const relay = new OutboxRelay({ collection: docs, publisher });
    const event = note(okTopic, 'd-1', 'written just before the outage');
    await docs.insertOne({ _id: 'd-1', ...outboxForInsert([event]) });
    relay.announce('d-1');
    await expect(relay.relayOnce(false)).rejects.toThrow();
    expect((await docs.findOne({ _id: 'd-1' }))?.outboxLeaseUntil).toBeUndefined();
    down = false;
    // No sweep in this round: the document is found by its id.
    expect(await relay.relayOnce(false)).toBe(1);
    await waitFor(() => seen.get(okTopic) ?? [], {
      until: (ids) => ids.includes(event.event.id),
      what: 'the event on Kafka',
    });
    expect((await docs.findOne({ _id: 'd-1' }))?.outboxPending).toBeUndefined();
  }, 60_000);

  test('a document Kafka refuses on its own, while others go out, is taken up again by id, backing off, not at the next sweep', async () => {
    const docs = await collection();
    // Refused in the round's one request, then again on its own; the next time it goes.
    let refusals = 2;
    const publisher: EventPublisher = {
      publish: async (events) => {
        if (refusals > 0 && events.some((e) => e.event.subject === 'e-1')) {
          refusals -= 1;
          throw Object.assign(new Error('NOT_LEADER_FOR_PARTITION'), { retryable: 'transient' });
        }
        await producer.publish(events);
      },
    };
    const relay = new OutboxRelay({ collection: docs, publisher });
    const struck = note(okTopic, 'e-1', 'refused once');
    await docs.insertOne({ _id: 'e-1', ...outboxForInsert([struck]) });
    await docs.insertOne({ _id: 'e-2', ...outboxForInsert([note(okTopic, 'e-2', 'goes out')]) });
    relay.announce('e-1');
    relay.announce('e-2');
    expect(await relay.relayOnce(false)).toBe(1);
    // No sweep in any of these rounds: the struck document comes back by id after its backoff (1 s).
    await waitFor(() => relay.relayOnce(false), {
      until: (sent) => sent === 1,
      what: 'the struck document sent again',
      timeoutMs: 5_000,
      intervalMs: 100,
    });
    await waitFor(() => seen.get(okTopic) ?? [], {
      until: (ids) => ids.includes(struck.event.id),
      what: 'its event on Kafka',
    });
    expect((await docs.findOne({ _id: 'e-1' }))?.outboxPending).toBeUndefined();
  }, 30_000);

  test('the sweep finds documents by their pending flag, which the write sets and the relay clears', async () => {
    const docs = await collection();
    const inserted = note(okTopic, 'c-1', 'inserted');
    const updated = note(okTopic, 'c-2', 'updated');
    await docs.insertOne({ _id: 'c-1', ...outboxForInsert([inserted]) });
    await docs.insertOne({ _id: 'c-2', version: 1 });
    await docs.updateOne({ _id: 'c-2' }, withEvents({ $set: { version: 2 } }, [updated]));
    expect(await docs.countDocuments({ outboxPending: true })).toBe(2);
    // Written before the flag existed: found only once the indexes are ensured (and the flag back-filled).
    const legacy = note(okTopic, 'c-3', 'legacy');
    await docs.insertOne({ _id: 'c-3', outbox: [{ id: legacy.event.id, topic: legacy.topic, event: legacy.event }] });

    const relay = new OutboxRelay({ collection: docs, publisher: producer });
    expect(await relay.relayOnce()).toBe(2);
    expect(await docs.countDocuments({ outboxPending: true })).toBe(0);
    await ensureOutboxIndexes(docs);
    expect(await relay.relayOnce()).toBe(1);
    await waitFor(() => seen.get(okTopic) ?? [], {
      until: (ids) => [inserted, updated, legacy].every((e) => ids.includes(e.event.id)),
      what: 'all three events',
    });
    expect((await docs.findOne({ _id: 'c-2' }))?.version).toBe(2);
    expect(await docs.countDocuments({ outboxPending: true })).toBe(0);
  });
});
