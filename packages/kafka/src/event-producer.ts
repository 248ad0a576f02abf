import { encodeEnvelope, type EventEnvelope } from '@orderpulse/contracts';
import { type Message, Partitioners, type Producer } from 'kafkajs';

import type { KafkaClient } from './kafka-client';

/** An event and the topic it goes to. */
export interface OutgoingEvent {
  topic: string;
  event: EventEnvelope;
}

/** A raw record, for forwarding messages whose bytes must not change (dead letters, replay). */
export interface RawRecord {
  topic: string;
  key: Buffer | string | null;
  value: Buffer | string | null;
  headers: Record<string, Buffer | string>;
}

export interface EventPublisher {
  publish(events: readonly OutgoingEvent[]): Promise<void>;
}

/**
 * Publishes with acks from every in-sync replica and the idempotent producer, one request
 * in flight, so a retried send neither duplicates nor reorders a partition's messages.
 * Keys are hashed like the Java client (murmur2), so SRE tools agree on partitions.
 */
export class EventProducer implements EventPublisher {
  private readonly producer: Producer;
  private connected: Promise<void> | undefined;

  constructor(client: KafkaClient) {
    this.producer = client.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  }

  /** Connects once; a failed connect is forgotten, so the next call tries again (the broker may be back). */
  connect(): Promise<void> {
    if (!this.connected) {
      const connecting = this.producer.connect();
      this.connected = connecting;
      connecting.catch(() => {
        if (this.connected === connecting) this.connected = undefined;
      });
    }
    return this.connected;
  }

  async publish(events: readonly OutgoingEvent[]): Promise<void> {
    if (events.length === 0) return;
    const byTopic = new Map<string, Message[]>();
    for (const { topic, event } of events) {
      const wire = encodeEnvelope(event);
      const messages = byTopic.get(topic) ?? [];
      messages.push({ key: wire.key, value: wire.value, headers: wire.headers });
      byTopic.set(topic, messages);
    }
    await this.sendBatch(byTopic);
  }

  async forward(records: readonly RawRecord[]): Promise<void> {
    const byTopic = new Map<string, Message[]>();
    for (const { topic, key, value, headers } of records) {
      const messages = byTopic.get(topic) ?? [];
      messages.push({ key, value, headers });
      byTopic.set(topic, messages);
    }
    await this.sendBatch(byTopic);
  }

  async disconnect(): Promise<void> {
    if (!this.connected) return;
    await this.connected.catch(() => undefined);
    this.connected = undefined;
    await this.producer.disconnect();
  }

  private async sendBatch(byTopic: Map<string, Message[]>): Promise<void> {
    await this.connect();
    await this.producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    });
  }
}
