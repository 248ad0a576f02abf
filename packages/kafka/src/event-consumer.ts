import { setTimeout as delay } from 'node:timers/promises';

import {
  decodeMessage,
  deadLetterTopic,
  type EventData,
  type EventDefinition,
  type EventEnvelope,
  validateEvent,
} from '@orderpulse/contracts';
import type { Consumer, EachMessagePayload } from 'kafkajs';

import { deadLetterHeaders } from './dead-letter';
import { EventProducer } from './event-producer';
import type { KafkaClient } from './kafka-client';
import { backoffDelay, defaultRetryPolicy, isRetryable, type RetryPolicy } from './retry-policy';
import { inMessageTrace } from './tracing';

/** Where a message came from, for logs and for the handler's own bookkeeping. */
export interface MessageContext {
  topic: string;
  partition: number;
  offset: string;
  groupId: string;
  attempt: number;
}

export interface EventHandler<D extends EventDefinition = EventDefinition> {
  definition: D;
  handle(event: EventEnvelope<EventData<D>>, context: MessageContext): Promise<void>;
}

/** Pairs an event definition with its handler, keeping the data typed by the definition's schema. */
export function on<D extends EventDefinition>(
  definition: D,
  handle: (event: EventEnvelope<EventData<D>>, context: MessageContext) => Promise<void>,
): EventHandler<D> {
  return { definition, handle };
}

export interface ConsumerOptions {
  groupId: string;
  topics: readonly string[];
  handlers: readonly EventHandler[];
  retry?: RetryPolicy;
  /** A new group starts at the oldest retained message, so nothing published before its first start is missed. */
  fromBeginning?: boolean;
  partitionsConsumedConcurrently?: number;
  /** How long the group waits for a silent member before giving its partitions to others. */
  sessionTimeoutMs?: number;
  /** Runs around each message, e.g. to give the logger the message's context. */
  around?: <T>(context: MessageContext & { type?: string; subject?: string; eventId?: string }, work: () => Promise<T>) => Promise<T>;
}

type Outcome = { kind: 'done' } | { kind: 'skipped' } | { kind: 'dead-lettered'; reason: string };

class ShuttingDown extends Error {}

/**
 * Runs a consumer group: each message is decoded, checked against its type's schema and
 * handed to its handler. A failure is retried with bounded backoff; a message that still
 * fails, or could never succeed (malformed, non-retryable error), goes to the topic's
 * dead-letter topic with the reason in its headers, and the partition moves on.
 * Types without a handler are passed over: a topic carries more types than any one consumer needs.
 */
export class EventConsumer {
  private readonly consumer: Consumer;
  private readonly deadLetters: EventProducer;
  private readonly byType: Map<string, EventHandler>;
  private readonly retry: RetryPolicy;
  private stopping = false;
  private joined: Promise<void>;
  private markJoined: () => void = () => undefined;

  constructor(
    private readonly client: KafkaClient,
    private readonly options: ConsumerOptions,
  ) {
    this.consumer = client.kafka.consumer({
      groupId: options.groupId,
      allowAutoTopicCreation: false,
      sessionTimeout: options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: 3_000,
    });
    this.deadLetters = new EventProducer(client);
    this.byType = new Map(options.handlers.map((h) => [h.definition.type, h]));
    this.retry = options.retry ?? defaultRetryPolicy;
    this.joined = new Promise((resolve) => (this.markJoined = resolve));
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => this.markJoined());
  }

  /** Joins the group and starts consuming; resolves once the group has assigned partitions. */
  async start(): Promise<void> {
    await this.deadLetters.connect();
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [...this.options.topics], fromBeginning: this.options.fromBeginning ?? true });
    await this.consumer.run({
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 3,
      eachMessage: (payload) => this.process(payload),
    });
    await this.joined;
  }

  /** Stops fetching, lets in-flight messages finish, commits their offsets and leaves the group. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.consumer.disconnect();
    await this.deadLetters.disconnect();
  }

  private async process(payload: EachMessagePayload): Promise<void> {
    const { topic, partition, message } = payload;
    const context: MessageContext = {
      topic,
      partition,
      offset: message.offset,
      groupId: this.options.groupId,
      attempt: 1,
    };
    const decoded = decodeMessage(message);
    const envelope = decoded.ok ? decoded.envelope : undefined;
    const work = async () => {
      const outcome = await this.outcomeOf(decoded, context, payload);
      if (outcome.kind === 'dead-lettered') {
        await this.deadLetter(payload, outcome.reason, context.attempt);
        this.client.logger.warn({ ...context, reason: outcome.reason }, 'message sent to the dead-letter topic');
      }
    };
    const around = this.options.around;
    const traced = { ...context, traceparent: envelope?.traceparent, type: envelope?.type, eventId: envelope?.id };
    return inMessageTrace(traced, () => (around ? around({ ...context, type: envelope?.type, subject: envelope?.subject, eventId: envelope?.id }, work) : work()));
  }

  private async outcomeOf(
    decoded: ReturnType<typeof decodeMessage>,
    context: MessageContext,
    payload: EachMessagePayload,
  ): Promise<Outcome> {
    if (!decoded.ok) return { kind: 'dead-lettered', reason: decoded.reason };
    const handler = this.byType.get(decoded.envelope.type);
    if (!handler) return { kind: 'skipped' };
    const validated = validateEvent(handler.definition, decoded.envelope);
    if (!validated.ok) return { kind: 'dead-lettered', reason: validated.reason };

    for (let attempt = 1; ; attempt += 1) {
      context.attempt = attempt;
      try {
        await handler.handle(validated.event, context);
        return { kind: 'done' };
      } catch (error) {
        const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        if (!isRetryable(error) || attempt >= this.retry.attempts) return { kind: 'dead-lettered', reason };
        if (this.stopping) throw new ShuttingDown(`not retrying while shutting down: ${reason}`);
        this.client.logger.warn({ ...context, reason }, 'handler failed; retrying');
        await this.pause(backoffDelay(this.retry, attempt), payload);
      }
    }
  }

  /** Waits out a backoff while keeping the group membership alive. */
  private async pause(ms: number, payload: EachMessagePayload): Promise<void> {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      await delay(Math.min(500, until - Date.now()));
      await payload.heartbeat();
    }
  }

  private async deadLetter(payload: EachMessagePayload, reason: string, attempts: number): Promise<void> {
    const { topic, partition, message } = payload;
    // If this send fails the error propagates, the offset is not committed, and the message comes again.
    await this.deadLetters.forward([
      {
        topic: deadLetterTopic(topic),
        key: message.key,
        value: message.value,
        headers: deadLetterHeaders(message.headers, {
          reason,
          topic,
          partition,
          offset: message.offset,
          groupId: this.options.groupId,
          attempts,
          failedAt: new Date(),
        }),
      },
    ]);
  }
}
