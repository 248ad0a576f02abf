import { setTimeout as delay } from 'node:timers/promises';

import {
  decodeMessage,
  deadLetterTopic,
  type EventData,
  type EventDefinition,
  type EventEnvelope,
  validateEvent,
} from '@orderpulse/contracts';
import type { Consumer, EachBatchPayload, KafkaMessage } from 'kafkajs';

import { deadLetterHeaders } from './dead-letter';
import { EventProducer } from './event-producer';
import type { KafkaClient } from './kafka-client';
import {
  backoffDelay,
  defaultHoldPolicy,
  defaultRetryPolicy,
  failureKind,
  type HoldPolicy,
  type RetryPolicy,
} from './retry-policy';
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
  /** Bounded in-place retries for failures of unknown kind. */
  retry?: RetryPolicy;
  /** Backoff while a partition is held after a transient failure (see `failureKind`). */
  hold?: HoldPolicy;
  /** A new group starts at the oldest retained message, so nothing published before its first start is missed. */
  fromBeginning?: boolean;
  /** Partitions worked side by side (kafkajs `partitionsConsumedConcurrently`); 64 unless given, in effect every one assigned. */
  partitionsConsumedConcurrently?: number;
  /** Keys worked side by side within one partition's batch, each key's messages in order; 16 unless given. */
  keysConsumedConcurrently?: number;
  /** How long the group waits for a silent member before giving its partitions to others. */
  sessionTimeoutMs?: number;
  /** Crashes the consumer may restart from within `restartWindowMs` before it counts as failed (liveness fails). */
  maxRestarts?: number;
  restartWindowMs?: number;
  /**
   * What becomes of a record whose type no handler takes: `skip` (the default: a topic carries
   * more types than any one consumer needs) or `dead-letter` — for an intake topic written from
   * outside, which carries only the types its consumer takes, so a mistyped record is set aside
   * with its reason rather than vanish.
   */
  unknownTypes?: 'skip' | 'dead-letter';
  /** Runs around each message, e.g. to give the logger the message's context. */
  around?: <T>(
    context: MessageContext & { type?: string; subject?: string; eventId?: string },
    work: () => Promise<T>,
  ) => Promise<T>;
}

/**
 * `starting` — connecting and joining (also while the broker is unreachable);
 * `running` — the group assigned partitions; `restarting` — after a crash, waiting to rejoin;
 * `failed` — crashed more often than `maxRestarts` within `restartWindowMs`, given up;
 * `stopped` — not started, or stopped.
 */
export type ConsumerState = 'starting' | 'running' | 'restarting' | 'failed' | 'stopped';

/** What a consumer is doing, for readiness details and liveness. */
export interface ConsumerStatus {
  groupId: string;
  state: ConsumerState;
  /** Partitions held after a transient failure, waiting for a dependency to return. */
  held: number;
  restarts: number;
  lastError?: string;
}

type Outcome =
  { kind: 'done' } | { kind: 'skipped' } | { kind: 'dead-lettered'; reason: string } | { kind: 'held'; reason: string };

class ShuttingDown extends Error {}

interface Hold {
  offset: string;
  attempt: number;
  since: number;
  timer?: NodeJS.Timeout;
}

const describe = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

/**
 * Runs a consumer group: each message is decoded, checked against its type's schema and
 * handed to its handler. What happens to a failure depends on its kind (`failureKind`):
 * - transient (a dependency is down): the partition is **held** — paused and rewound to the
 *   failed message, tried again after a capped exponential backoff, without limit, until the
 *   dependency returns. Other partitions go on; the group membership is kept (the fetch loop
 *   heartbeats); nothing is dead-lettered and nothing past the message is committed.
 * - permanent (malformed, fails its schema, `retryable: false`): the dead-letter topic at once.
 * - unknown: bounded retries in place, then the dead-letter topic.
 * Dead letters carry the reason in their headers, and the partition moves on.
 * Types without a handler are passed over: a topic carries more types than any one consumer needs
 * (`unknownTypes: 'dead-letter'` sets them aside instead, on an intake topic written from outside).
 *
 * The consumer supervises itself: while the broker cannot be reached it keeps trying to join;
 * a crash kafkajs does not restart itself (`CRASH` with `restart: false`) is restarted with
 * backoff; past `maxRestarts` it is `failed`, which liveness reports.
 */
export class EventConsumer {
  private consumer: Consumer | undefined;
  private readonly deadLetters: EventProducer;
  private readonly byType: Map<string, EventHandler>;
  private readonly retry: RetryPolicy;
  private readonly holdPolicy: HoldPolicy;
  private readonly holds = new Map<string, Hold>();
  private stopping = false;
  private state: ConsumerState = 'stopped';
  private lastError: string | undefined;
  private restarts = 0;
  private crashes: number[] = [];
  private starting: Promise<void> | undefined;
  private wakeStopped: () => void = () => undefined;
  private stopped: Promise<void> = Promise.resolve();

  constructor(
    private readonly client: KafkaClient,
    private readonly options: ConsumerOptions,
  ) {
    this.deadLetters = new EventProducer(client);
    this.byType = new Map(options.handlers.map((h) => [h.definition.type, h]));
    this.retry = options.retry ?? defaultRetryPolicy;
    this.holdPolicy = options.hold ?? defaultHoldPolicy;
  }

  get groupId(): string {
    return this.options.groupId;
  }

  /**
   * Joins the group and starts consuming; resolves once the group has assigned partitions.
   * While the broker is unreachable it keeps trying (backoff up to 30 s), so it may be left
   * running in the background; `stop()` ends the attempts.
   */
  start(): Promise<void> {
    if (this.starting) return this.starting;
    this.stopping = false;
    this.stopped = new Promise((resolve) => (this.wakeStopped = resolve));
    this.state = 'starting';
    this.starting = this.launchUntilJoined().finally(() => (this.starting = undefined));
    return this.starting;
  }

  /** Stops fetching, lets in-flight messages finish, commits their offsets and leaves the group. Held messages are not committed. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wakeStopped();
    for (const hold of this.holds.values()) clearTimeout(hold.timer);
    this.holds.clear();
    await this.starting?.catch(() => undefined);
    await this.consumer?.disconnect().catch(() => undefined);
    this.consumer = undefined;
    await this.deadLetters.disconnect();
    this.state = 'stopped';
  }

  status(): ConsumerStatus {
    return {
      groupId: this.options.groupId,
      state: this.state,
      held: this.holds.size,
      restarts: this.restarts,
      ...(this.lastError ? { lastError: this.lastError } : {}),
    };
  }

  private async launchUntilJoined(): Promise<void> {
    for (let attempt = 1; !this.stopping; attempt += 1) {
      try {
        await this.launch();
        return;
      } catch (error) {
        if (this.stopping) return;
        this.lastError = describe(error);
        const wait = backoffDelay({ initialDelayMs: 500, maxDelayMs: 30_000 }, attempt);
        this.client.logger.warn(
          { groupId: this.options.groupId, reason: this.lastError, retryInMs: wait },
          'consumer could not join its group; trying again',
        );
        await this.consumer?.disconnect().catch(() => undefined);
        await Promise.race([delay(wait), this.stopped]);
      }
    }
  }

  /** One try: a fresh kafkajs consumer, connected, subscribed, running and joined. */
  private async launch(): Promise<void> {
    const consumer = this.client.kafka.consumer({
      groupId: this.options.groupId,
      allowAutoTopicCreation: false,
      sessionTimeout: this.options.sessionTimeoutMs ?? 10_000,
      heartbeatInterval: 3_000,
    });
    this.consumer = consumer;
    const joined = new Promise<void>((resolve, reject) => {
      consumer.on(consumer.events.GROUP_JOIN, () => {
        this.state = 'running';
        resolve();
      });
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        if (!payload.restart) reject(payload.error);
        this.crashed(consumer, payload.error, payload.restart);
      });
    });
    joined.catch(() => undefined);
    await this.deadLetters.connect();
    await consumer.connect();
    await consumer.subscribe({ topics: [...this.options.topics], fromBeginning: this.options.fromBeginning ?? true });
    await consumer.run({
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 64,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.processBatch(consumer, payload),
    });
    await Promise.race([joined, this.stopped]);
  }

  private crashed(consumer: Consumer, error: Error, restartsItself: boolean): void {
    if (this.stopping || consumer !== this.consumer) return;
    this.lastError = describe(error);
    for (const hold of this.holds.values()) clearTimeout(hold.timer);
    this.holds.clear();
    if (restartsItself || this.starting) {
      // kafkajs rejoins by itself, or the start in progress tries again; GROUP_JOIN puts the state back.
      this.state = this.starting ? 'starting' : 'restarting';
      return;
    }
    const now = Date.now();
    const window = this.options.restartWindowMs ?? 10 * 60_000;
    this.crashes = [...this.crashes.filter((t) => now - t < window), now];
    if (this.crashes.length > (this.options.maxRestarts ?? 5)) {
      this.state = 'failed';
      this.client.logger.error(
        { groupId: this.options.groupId, reason: this.lastError, crashes: this.crashes.length },
        'consumer crashed too often; giving up (liveness fails)',
      );
      return;
    }
    this.state = 'restarting';
    this.restarts += 1;
    const wait = backoffDelay({ initialDelayMs: 1_000, maxDelayMs: 30_000 }, this.crashes.length);
    this.client.logger.error(
      { groupId: this.options.groupId, reason: this.lastError, restartInMs: wait },
      'consumer crashed; restarting it',
    );
    setTimeout(() => {
      if (this.stopping || consumer !== this.consumer) return;
      this.starting = this.launchUntilJoined().finally(() => (this.starting = undefined));
    }, wait).unref();
  }

  /**
   * Works a batch key by key: each key's messages one after another in offset order, different
   * keys side by side (at most `keysConsumedConcurrently`). An offset is resolved once it and every
   * offset before it in the batch are done, so a commit never passes a message still being
   * worked. A message held after a transient failure stops new work on the partition; once what
   * is running has finished, the partition is rewound to the first message of the batch not done
   * (the held one, or another key's that had not started), and what other keys finished after it
   * comes again (handlers are idempotent). A lane that fails (a heartbeat refused in a rebalance)
   * also stops new work, and the batch ends only when every lane has, so no handler outlives it.
   */
  private async processBatch(consumer: Consumer, payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const key = `${batch.topic}:${batch.partition}`;
    if (this.holds.get(key)?.timer) return; // a batch fetched before the partition was paused
    const byKey = new Map<string, KafkaMessage[]>();
    for (const message of batch.messages) {
      const k = message.key?.toString('latin1') ?? '';
      const messages = byKey.get(k);
      if (messages) messages.push(message);
      else byKey.set(k, [message]);
    }
    const done = new Set<string>();
    let next = 0; // the first message of the batch not yet resolved
    let held: { message: KafkaMessage; reason: string } | undefined;
    let failed: { error: unknown } | undefined;
    const working = () =>
      held === undefined && failed === undefined && !this.stopping && payload.isRunning() && !payload.isStale();
    const queues = [...byKey.values()];
    const lane = async (): Promise<void> => {
      for (let messages = queues.shift(); messages; messages = queues.shift()) {
        for (const message of messages) {
          if (!working()) return;
          const outcome = await this.process(batch.topic, batch.partition, message, () => payload.heartbeat());
          if (outcome.kind === 'held') {
            if (!held || BigInt(message.offset) < BigInt(held.message.offset))
              held = { message, reason: outcome.reason };
            return;
          }
          if (this.holds.get(key)?.offset === message.offset) this.holds.delete(key);
          done.add(message.offset);
          let resolved: string | undefined;
          while (next < batch.messages.length && done.has(batch.messages[next]!.offset))
            resolved = batch.messages[next++]!.offset;
          if (resolved !== undefined) payload.resolveOffset(resolved);
          await payload.heartbeat();
        }
      }
    };
    const lanes = Math.min(queues.length, this.options.keysConsumedConcurrently ?? 16);
    await Promise.all(
      Array.from({ length: lanes }, () =>
        lane().catch((error: unknown) => {
          failed ??= { error };
        }),
      ),
    );
    if (failed) throw failed.error;
    if (held) this.hold(consumer, payload, held.message, held.reason, batch.messages[next]!.offset);
  }

  /**
   * Pauses the partition, rewinds it to `from` (the first message not done: `message`, or one
   * before it that another key had not started) and resumes it after the backoff of `message`'s hold.
   */
  private hold(
    consumer: Consumer,
    payload: EachBatchPayload,
    message: KafkaMessage,
    reason: string,
    from: string,
  ): void {
    const { topic, partition } = payload.batch;
    const key = `${topic}:${partition}`;
    const previous = this.holds.get(key);
    const hold: Hold =
      previous?.offset === message.offset ? previous : { offset: message.offset, attempt: 0, since: Date.now() };
    hold.attempt += 1;
    const wait = backoffDelay(this.holdPolicy, hold.attempt);
    const resume = payload.pause();
    consumer.seek({ topic, partition, offset: from });
    hold.timer = setTimeout(() => {
      hold.timer = undefined;
      if (!this.stopping) resume();
    }, wait).unref();
    this.holds.set(key, hold);
    this.lastError = reason;
    this.client.logger.warn(
      {
        topic,
        partition,
        offset: message.offset,
        groupId: this.options.groupId,
        attempt: hold.attempt,
        heldForMs: Date.now() - hold.since,
        retryInMs: wait,
        reason,
      },
      'a dependency is unavailable; holding the partition',
    );
  }

  private async process(
    topic: string,
    partition: number,
    message: KafkaMessage,
    heartbeat: () => Promise<void>,
  ): Promise<Outcome> {
    const context: MessageContext = {
      topic,
      partition,
      offset: message.offset,
      groupId: this.options.groupId,
      attempt: 1,
    };
    const held = this.holds.get(`${topic}:${partition}`);
    const earlier = held?.offset === message.offset ? held.attempt : 0;
    const decoded = decodeMessage(message);
    const envelope = decoded.ok ? decoded.envelope : undefined;
    const work = async (): Promise<Outcome> => {
      const outcome = await this.outcomeOf(decoded, context, earlier, heartbeat);
      if (outcome.kind !== 'dead-lettered') return outcome;
      try {
        await this.deadLetter(topic, partition, message, outcome.reason, context.attempt);
      } catch (error) {
        // The dead-letter topic is unreachable: hold rather than lose or skip the message.
        return { kind: 'held', reason: `dead-letter publish failed: ${describe(error)}` };
      }
      this.client.logger.warn({ ...context, reason: outcome.reason }, 'message sent to the dead-letter topic');
      return outcome;
    };
    const around = this.options.around;
    const traced = { ...context, traceparent: envelope?.traceparent, type: envelope?.type, eventId: envelope?.id };
    return inMessageTrace(traced, () =>
      around
        ? around({ ...context, type: envelope?.type, subject: envelope?.subject, eventId: envelope?.id }, work)
        : work(),
    );
  }

  private async outcomeOf(
    decoded: ReturnType<typeof decodeMessage>,
    context: MessageContext,
    earlierAttempts: number,
    heartbeat: () => Promise<void>,
  ): Promise<Outcome> {
    if (!decoded.ok) return { kind: 'dead-lettered', reason: decoded.reason };
    const handler = this.byType.get(decoded.envelope.type);
    if (!handler) {
      if (this.options.unknownTypes !== 'dead-letter') return { kind: 'skipped' };
      return {
        kind: 'dead-lettered',
        reason: `no handler takes the type ${JSON.stringify(decoded.envelope.type)} on this topic; it takes ${[...this.byType.keys()].join(', ')}`,
      };
    }
    const validated = validateEvent(handler.definition, decoded.envelope);
    if (!validated.ok) return { kind: 'dead-lettered', reason: validated.reason };

    for (let attempt = 1; ; attempt += 1) {
      context.attempt = earlierAttempts + attempt;
      try {
        await handler.handle(validated.event, context);
        return { kind: 'done' };
      } catch (error) {
        const reason = describe(error);
        const kind = failureKind(error);
        if (kind === 'transient') return { kind: 'held', reason };
        if (kind === 'permanent' || attempt >= this.retry.attempts) return { kind: 'dead-lettered', reason };
        if (this.stopping) throw new ShuttingDown(`not retrying while shutting down: ${reason}`);
        this.client.logger.warn({ ...context, reason }, 'handler failed; retrying');
        await this.pause(backoffDelay(this.retry, attempt), heartbeat);
      }
    }
  }

  /** Waits out a short backoff while keeping the group membership alive. */
  private async pause(ms: number, heartbeat: () => Promise<void>): Promise<void> {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      await delay(Math.min(500, until - Date.now()));
      await heartbeat();
    }
  }

  private async deadLetter(
    topic: string,
    partition: number,
    message: KafkaMessage,
    reason: string,
    attempts: number,
  ): Promise<void> {
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
