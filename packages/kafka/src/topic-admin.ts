import { deadLetterTopic } from '@orderpulse/contracts';
import { type Admin, ConfigResourceTypes, KafkaJSProtocolError } from 'kafkajs';

import type { KafkaClient } from './kafka-client';

/** One topic as declared in the topics-as-code file. */
export interface TopicSpec {
  name: string;
  partitions?: number;
  replicationFactor?: number;
  config?: Record<string, string>;
  /** Services that consume it; a consumed topic gets a dead-letter topic. */
  consumedBy?: string[];
  producedBy?: string[];
  description?: string;
}

export interface TopicsFile {
  defaults: { partitions: number; replicationFactor: number; config?: Record<string, string> };
  deadLetter: { partitions: number; config?: Record<string, string> };
  topics: TopicSpec[];
}

export interface PlannedTopic {
  name: string;
  partitions: number;
  replicationFactor: number;
  config: Record<string, string>;
}

/** Expands the file into the full list of topics, dead-letter topics included. */
export function plannedTopics(file: TopicsFile): PlannedTopic[] {
  const planned: PlannedTopic[] = [];
  for (const spec of file.topics) {
    const replicationFactor = spec.replicationFactor ?? file.defaults.replicationFactor;
    planned.push({
      name: spec.name,
      partitions: spec.partitions ?? file.defaults.partitions,
      replicationFactor,
      config: { ...file.defaults.config, ...spec.config },
    });
    if ((spec.consumedBy ?? []).length > 0) {
      planned.push({
        name: deadLetterTopic(spec.name),
        partitions: file.deadLetter.partitions,
        replicationFactor,
        config: { ...file.defaults.config, ...file.deadLetter.config },
      });
    }
  }
  return planned;
}

export interface ApplyReport {
  brokers: number;
  created: string[];
  grown: string[];
  reconfigured: string[];
  unchanged: string[];
}

/** How long `applyTopics` waits for the partitions it created to have leaders (ms). */
const LEADER_WAIT_MS = 30_000;

/**
 * What a broker answers for a topic just created while its partitions are being set up, as is or
 * as the `cause` of kafkajs's KafkaJSNumberOfRetriesExceeded after its own retries.
 */
function notSetUpYet(error: unknown): boolean {
  let current = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth += 1) {
    if (
      current instanceof KafkaJSProtocolError &&
      ['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE', 'NOT_LEADER_FOR_PARTITION'].includes(current.type)
    )
      return true;
    current = current.cause;
  }
  return false;
}

/**
 * Waits until every partition of `topics` has a leader that serves it, polling every 100 ms: the
 * metadata names a leader for each, and each topic's offsets can be listed (a request its leaders
 * answer). kafkajs's `waitForLeaders` retries LEADER_NOT_AVAILABLE only, but a KRaft cluster also
 * answers UNKNOWN_TOPIC_OR_PARTITION for a moment after creating a topic, and its brokers name a
 * leader in their metadata before that leader takes requests (NOT_LEADER_FOR_PARTITION): the
 * metadata cache is updated before the partitions (KAFKA-15780; kafkajs issues #815 and #1563).
 *
 * @throws Error when a partition still has no leader after `withinMs`; any other metadata error as is.
 */
async function leadersElected(admin: Admin, topics: string[], withinMs = LEADER_WAIT_MS): Promise<void> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    try {
      const metadata = await admin.fetchTopicMetadata({ topics });
      const led = metadata.topics.filter((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0));
      if (led.length === topics.length) {
        await Promise.all(topics.map((topic) => admin.fetchTopicOffsets(topic)));
        return;
      }
    } catch (error) {
      if (!notSetUpYet(error)) throw error;
    }
    if (Date.now() > deadline)
      throw new Error(`no leader for the partitions of ${topics.join(', ')} after ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Makes the cluster match the plan: creates missing topics, adds partitions where the plan
 * has more (never fewer: that would move keys), and sets the declared configs. The
 * replication factor is capped at the number of brokers, so one file serves a single local
 * broker and a production cluster alike.
 */
export async function applyTopics(client: KafkaClient, topics: readonly PlannedTopic[]): Promise<ApplyReport> {
  const admin = client.kafka.admin();
  await admin.connect();
  try {
    const { brokers } = await admin.describeCluster();
    const cap = (rf: number) => Math.max(1, Math.min(rf, brokers.length));
    const fitConfig = (t: PlannedTopic) => {
      const config = { ...t.config };
      const isr = config['min.insync.replicas'];
      if (isr !== undefined) config['min.insync.replicas'] = String(Math.min(Number(isr), cap(t.replicationFactor)));
      return config;
    };
    const existing = new Set(await admin.listTopics());
    const report: ApplyReport = { brokers: brokers.length, created: [], grown: [], reconfigured: [], unchanged: [] };

    const missing = topics.filter((t) => !existing.has(t.name));
    if (missing.length > 0) {
      await admin.createTopics({
        // Waited for below: kafkajs's own wait retries LEADER_NOT_AVAILABLE only.
        waitForLeaders: false,
        topics: missing.map((t) => ({
          topic: t.name,
          numPartitions: t.partitions,
          replicationFactor: cap(t.replicationFactor),
          configEntries: Object.entries(fitConfig(t)).map(([name, value]) => ({ name, value })),
        })),
      });
      await leadersElected(
        admin,
        missing.map((t) => t.name),
      );
      report.created.push(...missing.map((t) => t.name));
    }

    const present = topics.filter((t) => existing.has(t.name));
    if (present.length === 0) return report;
    const metadata = await admin.fetchTopicMetadata({ topics: present.map((t) => t.name) });
    const partitionCount = new Map(metadata.topics.map((t) => [t.name, t.partitions.length]));
    const toGrow = present.filter((t) => (partitionCount.get(t.name) ?? 0) < t.partitions);
    if (toGrow.length > 0) {
      await admin.createPartitions({ topicPartitions: toGrow.map((t) => ({ topic: t.name, count: t.partitions })) });
      report.grown.push(...toGrow.map((t) => t.name));
    }

    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: present.map((t) => ({ type: ConfigResourceTypes.TOPIC, name: t.name })),
    });
    const current = new Map(
      described.resources.map((r) => [
        r.resourceName,
        new Map(r.configEntries.map((e) => [e.configName, e.configValue])),
      ]),
    );
    const drifted = present.filter((t) =>
      Object.entries(fitConfig(t)).some(([name, value]) => current.get(t.name)?.get(name) !== value),
    );
    if (drifted.length > 0) {
      // Incremental alteration is not in this client; a full alter of the declared keys is the same here,
      // because topics are only ever configured through this file.
      await admin.alterConfigs({
        validateOnly: false,
        resources: drifted.map((t) => ({
          type: ConfigResourceTypes.TOPIC,
          name: t.name,
          configEntries: Object.entries(fitConfig(t)).map(([name, value]) => ({ name, value })),
        })),
      });
      report.reconfigured.push(...drifted.map((t) => t.name));
    }
    report.unchanged.push(...present.filter((t) => !toGrow.includes(t) && !drifted.includes(t)).map((t) => t.name));
    return report;
  } finally {
    await admin.disconnect();
  }
}

/** Metadata of the cluster, for readiness checks and start-up banners. */
export async function describeCluster(client: KafkaClient): Promise<{ brokers: number; topics: string[] }> {
  const admin = client.kafka.admin();
  await admin.connect();
  try {
    const { brokers } = await admin.describeCluster();
    return { brokers: brokers.length, topics: await admin.listTopics() };
  } finally {
    await admin.disconnect();
  }
}

/** Fails unless the cluster answers a metadata request: the readiness check of every service. */
export async function pingKafka(client: KafkaClient): Promise<void> {
  const { brokers } = await describeCluster(client);
  if (brokers === 0) throw new Error('no Kafka brokers');
}
