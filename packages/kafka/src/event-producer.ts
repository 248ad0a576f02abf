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

/** What `EventProducer.observe` reports. */
export interface ProducerObserver {
  /** A request sent to a broker, by Kafka API name. */
  request?: (api: string) => void;
  /** A batch acknowledged: its records and their bytes. */
  sent?: (records: number, bytes: number) => void;
}

const byteLength = (v: Buffer | string | null | undefined): number =>
  v == null ? 0 : typeof v === 'string' ? Buffer.byteLength(v) : v.length;

/** One kafkajs producer: one producer id (KIP-98) and its sequence numbers. */
interface Session {
  producer: Producer;
  connected?: Promise<void> | undefined;
}

/**
 * Publishes with acks from every in-sync replica and the idempotent producer, one request
 * in flight, so a retried send neither duplicates nor reorders a partition's messages.
 * Keys are hashed like the Java client (murmur2), so SRE tools agree on partitions.
 *
 * A send that fails leaves its outcome unknown (a request that timed out may still be written),
 * and kafkajs takes the batch's sequence numbers back; the next batch would reuse them, and the
 * broker, taking it for a retry of the one it wrote, would acknowledge it without writing it (the
 * fault suite saw an acknowledged event missing and another written twice after Kafka was paused).
 * So after a failed send the producer is replaced: the next batch goes under a new producer id
 * (InitProducerId), as librdkafka and the Java client do by bumping the epoch. A retried event may
 * then be written twice; consumers are idempotent, and none is lost.
 */
export class EventProducer implements EventPublisher {
  private session: Session;
  private readonly observers: ((records: number, bytes: number) => void)[] = [];
  private readonly requestObservers: ((api: string) => void)[] = [];
  private sending: Promise<unknown> = Promise.resolve();

  constructor(private readonly client: KafkaClient) {
    this.session = this.newSession();
  }

  /** Connects once; a failed connect is forgotten, so the next call tries again (the broker may be back). */
  connect(): Promise<void> {
    return this.connected(this.session);
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
      this.requestObservers.push(request);
      this.listen(this.session.producer, request);
    }
    if (observer.sent) this.observers.push(observer.sent);
  }

  async disconnect(): Promise<void> {
    const session = this.session;
    if (!session.connected) return;
    await session.connected.catch(() => undefined);
    session.connected = undefined;
    await session.producer.disconnect();
  }

  private newSession(): Session {
    const producer = this.client.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    for (const request of this.requestObservers) this.listen(producer, request);
    return { producer };
  }

  private listen(producer: Producer, request: (api: string) => void): void {
    producer.on(producer.events.REQUEST, ({ payload }) => request(payload.apiName));
  }

  private connected(session: Session): Promise<void> {
    if (!session.connected) {
      const connecting = session.producer.connect();
      session.connected = connecting;
      connecting.catch(() => {
        if (session.connected === connecting) session.connected = undefined;
      });
    }
    return session.connected;
  }

  /** Puts a new producer (a new producer id) in place of `failed`, once; the old one is let go. */
  private replace(failed: Session): void {
    if (this.session !== failed) return;
    this.session = this.newSession();
    const closing = failed.connected;
    failed.connected = undefined;
    if (closing) void closing.then(() => failed.producer.disconnect()).catch(() => undefined);
  }

  /**
   * One send at a time: between a failed send's taking back its sequence numbers and the producer's
   * replacement, no other batch may take them. (kafkajs already sends one request at a time per broker.)
   */
  private sendBatch(byTopic: Map<string, Message[]>): Promise<void> {
    const sending = this.sending.then(() => this.sendNow(byTopic));
    this.sending = sending.catch(() => undefined);
    return sending;
  }

  private async sendNow(byTopic: Map<string, Message[]>): Promise<void> {
    const session = this.session;
    try {
      await this.connected(session);
      await session.producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
    } catch (error) {
      this.replace(session);
      throw error;
    }
    if (this.observers.length === 0) return;
    let records = 0;
    let bytes = 0;
    for (const messages of byTopic.values()) {
      for (const m of messages) {
        records += 1;
        bytes += byteLength(m.key) + byteLength(m.value);
        for (const [name, value] of Object.entries(m.headers ?? {}))
          bytes += Buffer.byteLength(name) + [value ?? []].flat().reduce((sum: number, v) => sum + byteLength(v), 0);
      }
    }
    for (const sent of this.observers) sent(records, bytes);
  }
}
