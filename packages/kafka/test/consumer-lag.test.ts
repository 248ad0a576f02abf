import { applyTopics, ConsumerLagReader, KafkaClient, plannedTopics } from '@orderpulse/kafka';
import { stackEnv, uniqueName, waitFor } from '@orderpulse/testkit';
import type { Consumer } from 'kafkajs';

const env = stackEnv();
const client = new KafkaClient({ brokers: env.KAFKA_BROKERS.split(','), clientId: 'lag-test' });
const topic = uniqueName('lag');
const groupId = uniqueName('lag-group');
let consumer: Consumer | undefined;
const reader = new ConsumerLagReader(client, (id) => id === groupId);

beforeAll(async () => {
  await applyTopics(
    client,
    plannedTopics({
      defaults: { partitions: 3, replicationFactor: 1 },
      deadLetter: { partitions: 1 },
      topics: [{ name: topic }],
    }),
  );
  const producer = client.kafka.producer();
  await producer.connect();
  await producer.send({ topic, messages: [0, 0, 1, 1, 2, 2].map((partition) => ({ partition, value: 'x' })) });
  await producer.disconnect();
});

afterAll(async () => {
  await consumer?.disconnect();
  await reader.close();
});

describe('consumer lag, read as kafka-consumer-groups --describe reads it', () => {
  it('counts a partition the group reads but never committed on, not only the committed ones', async () => {
    const admin = client.kafka.admin();
    await admin.connect();
    // The group has committed partition 0 to its end, and nothing on 1 and 2.
    await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '2' }] });
    await admin.disconnect();
    // A member that reads every partition and commits nothing: 1 and 2 stay behind by their two messages.
    consumer = client.kafka.consumer({ groupId, sessionTimeout: 10_000 });
    const joined = new Promise<void>((resolve) => consumer!.on(consumer!.events.GROUP_JOIN, () => resolve()));
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({ autoCommit: false, eachMessage: async () => undefined });
    await joined;

    let lag: { partition: number; committed: number; lag: number }[] = [];
    await waitFor(
      async () => {
        lag = (await reader.read()).partitions
          .filter((p) => p.topic === topic)
          .sort((a, b) => a.partition - b.partition);
        return lag.length === 3;
      },
      { intervalMs: 250, what: 'the lag of all three partitions' },
    );
    expect(lag.map(({ partition, committed, lag: behind }) => ({ partition, committed, lag: behind }))).toEqual([
      { partition: 0, committed: 2, lag: 0 },
      { partition: 1, committed: -1, lag: 2 },
      { partition: 2, committed: -1, lag: 2 },
    ]);
  });
});
