import { stackEnv, uniqueName } from '@orderpulse/testkit';

import { KafkaClient } from '../src/kafka-client';
import { applyTopics, type PlannedTopic } from '../src/topic-admin';

const env = stackEnv();
const client = new KafkaClient({ brokers: env.KAFKA_BROKERS.split(','), clientId: 'topic-admin-test' });

const planned = (name: string, partitions: number): PlannedTopic => ({
  name,
  partitions,
  replicationFactor: 3,
  config: { 'min.insync.replicas': '2' },
});

describe('applyTopics', () => {
  it('returns only once every partition of the topics it created has a leader, and a second run changes nothing', async () => {
    const topics = Array.from({ length: 6 }, (_, i) => planned(uniqueName(`admin-${i}`), 6));
    const report = await applyTopics(client, topics);
    expect(report.created.sort()).toEqual(topics.map((t) => t.name).sort());
    // Read straight away, as a service's first send or a consumer's first fetch would.
    const admin = client.kafka.admin();
    await admin.connect();
    try {
      const metadata = await admin.fetchTopicMetadata({ topics: topics.map((t) => t.name) });
      expect(metadata.topics.map((t) => t.partitions.filter((p) => p.leader >= 0).length)).toEqual(topics.map(() => 6));
      const offsets = await Promise.all(topics.map((t) => admin.fetchTopicOffsets(t.name)));
      expect(offsets.map((o) => o.length)).toEqual(topics.map(() => 6));
    } finally {
      await admin.disconnect();
    }
    const again = await applyTopics(client, topics);
    expect(again.created).toEqual([]);
    expect(again.unchanged.sort()).toEqual(topics.map((t) => t.name).sort());
  });

  it('caps the replication factor and min.insync.replicas at the brokers there are', async () => {
    const name = uniqueName('admin-capped');
    const report = await applyTopics(client, [planned(name, 2)]);
    expect(report.created).toEqual([name]);
    const admin = client.kafka.admin();
    await admin.connect();
    try {
      const [topic] = (await admin.fetchTopicMetadata({ topics: [name] })).topics;
      expect(topic!.partitions.every((p) => p.replicas.length === Math.min(3, report.brokers))).toBe(true);
    } finally {
      await admin.disconnect();
    }
  });
});
