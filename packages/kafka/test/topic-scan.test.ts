import { defineEvent, newEvent } from '@orderpulse/contracts';
import {
  applyTopics,
  EventProducer,
  KafkaClient,
  messagesWithKey,
  partitionOfKey,
  plannedTopics,
  scannedHeader,
  scanTopic,
} from '@orderpulse/kafka';
import { stackEnv, uniqueName } from '@orderpulse/testkit';
import { z } from 'zod';

const topic = uniqueName('scan');

const Noted = defineEvent({
  type: 'thing.noted',
  version: 1,
  topic,
  summary: 'a note on a thing',
  schema: z.object({ n: z.number().int() }),
  example: { n: 1 },
});

const client = new KafkaClient({ brokers: stackEnv().KAFKA_BROKERS.split(','), clientId: 'scan-test' });
const producer = new EventProducer(client);

beforeAll(async () => {
  await applyTopics(
    client,
    plannedTopics({
      defaults: { partitions: 5, replicationFactor: 1 },
      deadLetter: { partitions: 1 },
      topics: [{ name: topic, consumedBy: ['test'] }],
    }),
  );
  await producer.connect();
  const subjects = ['order-a', 'order-b', 'order-c', 'order-d', 'order-e', 'order-f'];
  // Three notes per subject, interleaved, so each subject's notes sit among the others'.
  for (let n = 1; n <= 3; n += 1) {
    await producer.publish(
      subjects.map((subject) => ({ topic, event: newEvent(Noted, { source: 'test', subject, data: { n } }) })),
    );
  }
});

afterAll(async () => {
  await producer.disconnect();
});

describe('reading one aggregate back from a topic, as SRE do when asking what happened to an order', () => {
  test("a key's partition is where the producer put it (murmur2, as the Java client)", async () => {
    const placed = new Map<string, Set<number>>();
    await scanTopic(client, topic, ({ key, partition }) => {
      const k = key!.toString('utf8');
      placed.set(k, (placed.get(k) ?? new Set()).add(partition));
    });

    expect(placed.size).toBe(6);
    for (const [key, partitions] of placed) expect([...partitions]).toEqual([partitionOfKey(key, 5)]);
    // Six keys over five partitions: the hash spreads them (not all on one).
    expect(new Set([...placed.values()].map((p) => [...p][0])).size).toBeGreaterThan(1);
  });

  test('every message of one key, oldest first, and none of the others', async () => {
    const found = await messagesWithKey(client, topic, 'order-c');

    expect(found.map((m) => (JSON.parse(m.value!.toString('utf8')) as { n: number }).n)).toEqual([1, 2, 3]);
    expect(
      found.every((m) => m.key?.toString('utf8') === 'order-c' && scannedHeader(m, 'ce_type') === 'thing.noted'),
    ).toBe(true);
  });

  test('a scan reads up to where the topic ended when it began, and leaves no consumer group behind', async () => {
    let count = 0;
    await scanTopic(client, topic, () => void (count += 1));

    expect(count).toBe(18);
    const admin = client.kafka.admin();
    await admin.connect();
    const groups = (await admin.listGroups()).groups.filter((g) => g.groupId.startsWith('orderpulse.scan.'));
    await admin.disconnect();
    expect(groups).toEqual([]);
  });
});
