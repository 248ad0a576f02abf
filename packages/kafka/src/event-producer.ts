import { encodeEnvelope, type OutgoingEvent } from '@orderpulse/contracts';
import { type Message, Partitioners, type Producer } from 'kafkajs';

import type { KafkaClient } from './kafka-client';

export type { OutgoingEvent };

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
/** What `EventProducer.observe` reports. */
export interface ProducerObserver {
  /** A request sent to a broker, by Kafka API name. */
  request?: (api: string) => void;
  /** A batch acknowledged: its records and their bytes. */
  sent?: (records: number, bytes: number) => void;
}

const byteLength = (v: Buffer | string | null | undefined): number => (v == null ? 0 : typeof v === 'string' ? Buffer.byteLength(v) : v.length);

export class EventProducer implements EventPublisher {
  private readonly producer: Producer;
  private connected: Promise<void> | undefined;
  private readonly observers: ((records: number, bytes: number) => void)[] = [];

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

  /**
   * Tells `observer` of the producer's work: `request` for each request sent to a broker, with the
   * Kafka API's name (`Produce`, `Metadata`, `InitProducerId`, …; kafkajs' instrumentation event
   * `producer.network.request`), and `sent` for each batch the brokers acknowledged, with its
   * records and their bytes (keys, values and headers as given to Kafka, before protocol framing).
   */
  observe(observer: ProducerObserver): void {
    if (observer.request) {
      const request = observer.request;
      this.producer.on(this.producer.events.REQUEST, ({ payload }) => request(payload.apiName));
    }
    if (observer.sent) this.observers.push(observer.sent);
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
    if (this.observers.length === 0) return;
    let records = 0;
    let bytes = 0;
    for (const messages of byTopic.values()) {
      for (const m of messages) {
        records += 1;
        bytes += byteLength(m.key) + byteLength(m.value);
        for (const [name, value] of Object.entries(m.headers ?? {})) bytes += Buffer.byteLength(name) + [value ?? []].flat().reduce((sum: number, v) => sum + byteLength(v), 0);
      }
    }
    for (const sent of this.observers) sent(records, bytes);
  }
}
