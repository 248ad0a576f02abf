import type { Redis } from 'ioredis';

/** Called with the body of each message published for the key it listens to. */
export type FanoutListener = (body: string) => void;

/**
 * Tells every instance of a service what happened to a key (an order, a recipient), through one
 * Redis pub/sub channel, so a client waiting on one instance hears of a change made on another.
 *
 * A message is `<key><separator><body>` (a newline unless the channel's messages have long used
 * another): the key names who listens, the body is the listener's own (keys must not hold the
 * separator). Pub/sub delivers at most once and only to instances subscribed at the
 * time (Redis docs, "Pub/Sub": "fire and forget"), so a listener treats a message as a hint to read
 * the state again, never as the state itself; what must not be missed lives in a stream or a
 * collection beside it. `publish` may also be done by a Lua script (`PUBLISH channel key\nbody`)
 * that changes that state in the same step.
 *
 * The subscriber connection is this object's own (`subscriber`, in subscribe mode from `start`
 * until `stop`, which disconnects it); `publisher` is shared.
 */
export class RealtimeFanout {
  private readonly listeners = new Map<string, Set<FanoutListener>>();

  /**
   * @param channel - the Redis channel, e.g. `<queue prefix>:order-changed`.
   * @param separator - what ends the key in a message; kept as a channel's instances already write
   *   it, so instances of two versions hear each other during a rolling deploy.
   */
  constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
    readonly channel: string,
    private readonly separator = '\n',
  ) {}

  /** Subscribes to the channel; messages reach listeners from then on. */
  async start(): Promise<void> {
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel !== this.channel) return;
      const end = message.indexOf(this.separator);
      if (end < 0) return;
      const listening = this.listeners.get(message.slice(0, end));
      if (!listening) return;
      const body = message.slice(end + this.separator.length);
      for (const listener of listening) listener(body);
    });
    await this.subscriber.subscribe(this.channel);
  }

  /** Sends `body` to every instance's listeners of `key`. */
  async publish(key: string, body: string): Promise<void> {
    await this.publisher.publish(this.channel, `${key}${this.separator}${body}`);
  }

  /** Calls `listener` with each message for `key` until the returned function is called. */
  listen(key: string, listener: FanoutListener): () => void {
    const set = this.listeners.get(key) ?? new Set<FanoutListener>();
    set.add(listener);
    this.listeners.set(key, set);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(key);
    };
  }

  /** Unsubscribes and closes the subscriber connection. */
  async stop(): Promise<void> {
    await this.subscriber.unsubscribe(this.channel).catch(() => undefined);
    this.subscriber.disconnect();
  }
}
