import { randomUUID } from 'node:crypto';

import type { Logger } from '@orderpulse/kafka';
import { RealtimeFanout } from '@orderpulse/service-kit';
import type { Redis } from 'ioredis';

import type { RecipientKey } from '../domain/recipients';

/** The fan-out key every recipient change is published under (the body is the recipient's key). */
const CHANGED = 'recipient';
/** The fan-out key of each instance's heartbeat (the body is the instance's own token). */
const HEARTBEAT = 'heartbeat';

export interface RecipientChangesOptions {
  /** How often this instance sends itself a heartbeat through the channel, in ms; 5,000 unless given. */
  heartbeatMs?: number;
  /** How long telling a change may hold up the write that made it, in ms; 1,000 unless given. */
  publishTimeoutMs?: number;
  logger?: Pick<Logger, 'warn'>;
  now?: () => number;
}

/**
 * Tells every instance of the notification service that a recipient's registration changed (a
 * device registered, moved, removed, pruned; preferences set), over Redis pub/sub on
 * `<QUEUE_PREFIX>:recipient-changed`, so each drops what it remembered of that recipient.
 *
 * Pub/sub keeps nothing for a subscriber that is away, and a connection can drop without either
 * end noticing for a while. So each instance sends itself a heartbeat through the channel every
 * `heartbeatMs`, and it is {@link live} (may use what it remembers) only while it has heard its
 * own within twice that time, plus a second, on a subscriber that is connected. A subscriber that
 * connects again is not live until its heartbeat comes back through the renewed subscription.
 * When it hears again after a gap, `forgetAll` listeners forget everything: changes published
 * meanwhile were lost.
 */
export class RecipientChanges {
  private readonly fanout: RealtimeFanout;
  private readonly forgetAll = new Set<() => void>();
  private readonly token = randomUUID();
  private readonly heartbeatMs: number;
  private readonly publishTimeoutMs: number;
  private readonly logger: Pick<Logger, 'warn'> | undefined;
  private readonly now: () => number;
  /** When this instance last heard its own heartbeat (epoch ms); 0: never. */
  private lastHeard = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopHearing: (() => void) | undefined;

  constructor(
    redis: Redis,
    private readonly subscriber: Redis,
    prefix: string,
    options: RecipientChangesOptions = {},
  ) {
    this.fanout = new RealtimeFanout(redis, subscriber, `${prefix}:recipient-changed`);
    this.heartbeatMs = options.heartbeatMs ?? 5_000;
    this.publishTimeoutMs = options.publishTimeoutMs ?? 1_000;
    this.logger = options.logger;
    this.now = options.now ?? Date.now;
    // ioredis subscribes again on its own after a reconnect; until the heartbeat comes back through it, nothing is heard.
    subscriber.on('ready', () => {
      this.lastHeard = 0;
      this.beat();
    });
  }

  /** Subscribes, and starts the heartbeat; live once the first one comes back. */
  async start(): Promise<void> {
    await this.fanout.start();
    this.stopHearing = this.fanout.listen(HEARTBEAT, (token) => {
      if (token !== this.token) return;
      const gap = !this.live;
      this.lastHeard = this.now();
      if (gap) for (const forget of this.forgetAll) forget();
    });
    this.beat();
    this.timer = setInterval(() => this.beat(), this.heartbeatMs);
    this.timer.unref();
  }

  private beat(): void {
    // While Redis is away it waits in the client's queue; heard late, or not at all, it changes nothing.
    this.fanout.publish(HEARTBEAT, this.token).catch(() => undefined);
  }

  /** Whether changes published by other instances reach this one now: its own heartbeat came back lately. */
  get live(): boolean {
    return this.subscriber.status === 'ready' && this.now() - this.lastHeard <= 2 * this.heartbeatMs + 1_000;
  }

  /**
   * Tells every instance, this one included, that `key` changed. Never rejects: when Redis does
   * not take it within `publishTimeoutMs` the failure is logged and the write goes on; an
   * instance that cannot hear reuses nothing, and one that did hear keeps the stale profile at most
   * as long as its cache time.
   */
  async publish(key: RecipientKey): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.publishTimeoutMs);
    });
    try {
      const told = await Promise.race([this.fanout.publish(CHANGED, key), timeout]);
      if (told === 'timeout')
        this.logger?.warn({ recipient: key }, 'recipient change not yet told to the other instances');
    } catch (error) {
      this.logger?.warn({ err: error, recipient: key }, 'recipient change not told to the other instances');
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Calls `forget` with each changed recipient's key, and `forgetAll` when this instance hears
   * again after a gap, until the returned function is called.
   */
  listen(forget: (key: RecipientKey) => void, forgetAll: () => void): () => void {
    const stop = this.fanout.listen(CHANGED, (key) => forget(key as RecipientKey));
    this.forgetAll.add(forgetAll);
    return () => {
      stop();
      this.forgetAll.delete(forgetAll);
    };
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.stopHearing?.();
    await this.fanout.stop();
  }
}
