import { deadLetterTopic } from '@orderpulse/contracts';
import { type Admin, AssignerProtocol } from 'kafkajs';

import type { KafkaClient } from './kafka-client';

/** How far one consumer group is behind on one partition, in messages. */
export interface PartitionLag {
  groupId: string;
  topic: string;
  partition: number;
  /** The group's committed offset; -1 when it has committed nothing there yet. */
  committed: number;
  /** The partition's high watermark (the offset the next message will get). */
  highWatermark: number;
  /** `highWatermark - committed`, or everything retained when nothing is committed. */
  lag: number;
}

/** Messages retained in one dead-letter topic (high watermarks minus log starts, summed over partitions). */
export interface DeadLetterCount {
  /** The topic whose failures it holds (`orderpulse.order.events` for `orderpulse.order.events.dlq`). */
  topic: string;
  messages: number;
}

export interface LagReport {
  partitions: PartitionLag[];
  deadLetters: DeadLetterCount[];
}

/**
 * Reads consumer lag the way `kafka-consumer-groups --describe` does — committed offsets
 * (OffsetFetch) against high watermarks (ListOffsets) — for every group `wanted` accepts, over
 * every partition of the topics it committed on or its members are assigned (a partition never
 * committed on counts everything retained, as the services consume from the beginning), and
 * the size of each consumed topic's dead-letter topic. One admin connection, kept between calls.
 */
export class ConsumerLagReader {
  private admin: Admin | undefined;

  constructor(
    private readonly client: KafkaClient,
    private readonly wanted: (groupId: string) => boolean,
  ) {}

  async read(): Promise<LagReport> {
    const admin = await this.connected();
    const { groups } = await admin.listGroups();
    const groupIds = groups
      .map((g) => g.groupId)
      .filter(this.wanted)
      .sort();
    const existing = new Set(await admin.listTopics());
    const watermarks = new Map<string, Map<number, { high: number; low: number }>>();
    const offsetsOf = async (topic: string) => {
      let known = watermarks.get(topic);
      if (!known) {
        const offsets = await admin.fetchTopicOffsets(topic);
        known = new Map(offsets.map((o) => [o.partition, { high: Number(o.high), low: Number(o.low) }]));
        watermarks.set(topic, known);
      }
      return known;
    };
    const partitions: PartitionLag[] = [];
    const consumed = new Set<string>();
    const assigned = await assignedTopics(admin, groupIds);
    for (const groupId of groupIds) {
      // Asked by topic, OffsetFetch answers every partition of it, -1 where the group never committed;
      // asked for the group alone it names only the partitions committed on, and a message still held
      // on a partition the group has not yet committed on would not count as lag at all.
      const committedTopics = (await admin.fetchOffsets({ groupId })).map((t) => t.topic);
      const topics = [...new Set([...committedTopics, ...(assigned.get(groupId) ?? [])])].filter((t) =>
        existing.has(t),
      );
      for (const { topic, partitions: committed } of topics.length
        ? await admin.fetchOffsets({ groupId, topics })
        : []) {
        if (!existing.has(topic)) continue;
        consumed.add(topic);
        const offsets = await offsetsOf(topic);
        for (const { partition, offset } of committed) {
          const marks = offsets.get(partition);
          if (!marks) continue;
          const at = Number(offset);
          const lag = at < 0 ? marks.high - marks.low : Math.max(0, marks.high - at);
          partitions.push({ groupId, topic, partition, committed: at, highWatermark: marks.high, lag });
        }
      }
    }
    const deadLetters: DeadLetterCount[] = [];
    for (const topic of [...consumed].sort()) {
      const dlq = deadLetterTopic(topic);
      if (!existing.has(dlq)) continue;
      const offsets = await offsetsOf(dlq);
      deadLetters.push({ topic, messages: [...offsets.values()].reduce((sum, o) => sum + (o.high - o.low), 0) });
    }
    return { partitions, deadLetters };
  }

  async close(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    await admin?.disconnect();
  }

  private async connected(): Promise<Admin> {
    if (this.admin) return this.admin;
    const admin = this.client.kafka.admin();
    await admin.connect();
    this.admin = admin;
    return admin;
  }
}

/** The topics each group's live members are assigned now (DescribeGroups, the consumer protocol's assignment). */
async function assignedTopics(admin: Admin, groupIds: string[]): Promise<Map<string, string[]>> {
  const topics = new Map<string, string[]>();
  if (groupIds.length === 0) return topics;
  const { groups } = await admin.describeGroups(groupIds);
  for (const group of groups) {
    if (group.protocolType !== 'consumer') continue;
    const names = new Set<string>();
    for (const member of group.members) {
      const decoded =
        member.memberAssignment.length > 0 ? AssignerProtocol.MemberAssignment.decode(member.memberAssignment) : null;
      for (const topic of Object.keys(decoded?.assignment ?? {})) names.add(topic);
    }
    topics.set(group.groupId, [...names]);
  }
  return topics;
}
