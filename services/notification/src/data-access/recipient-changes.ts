import { RealtimeFanout } from '@orderpulse/service-kit';
import type { Redis } from 'ioredis';

import type { RecipientKey } from '../domain/recipients';

/** The fan-out key every recipient change is published under (the body is the recipient's key). */
const CHANGED = 'recipient';

/**
 * Tells every instance of the notification service that a recipient's registration changed (a
 * device registered, moved, removed, pruned; preferences set), over Redis pub/sub on
 * `<QUEUE_PREFIX>:recipient-changed`, so each drops what it remembered of that recipient.
 * Pub/sub keeps nothing for a subscriber that is away: while this instance's subscriber is not
 * connected, {@link live} is false and nothing remembered may be used; when it connects again,
 * `onReconnect` listeners forget everything, since changes published meanwhile were lost.
 */
export class RecipientChanges {
  private readonly fanout: RealtimeFanout;
  private readonly forgetAll = new Set<() => void>();

  constructor(
    redis: Redis,
    private readonly subscriber: Redis,
    prefix: string,
  ) {
    this.fanout = new RealtimeFanout(redis, subscriber, `${prefix}:recipient-changed`);
    // ioredis re-subscribes on its own after a reconnect and says `ready` when it has.
    subscriber.on('ready', () => {
      for (const forget of this.forgetAll) forget();
    });
  }

  async start(): Promise<void> {
    await this.fanout.start();
  }

  /** Whether changes published by other instances reach this one now. */
  get live(): boolean {
    return this.subscriber.status === 'ready';
  }

  /** Tells every instance, this one included, that `key` changed. Rejects when Redis cannot take it. */
  async publish(key: RecipientKey): Promise<void> {
    await this.fanout.publish(CHANGED, key);
  }

  /**
   * Calls `forget` with each changed recipient's key, and `forgetAll` after each reconnect of the
   * subscriber, until the returned function is called.
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
    await this.fanout.stop();
  }
}
