import type { Redis } from 'ioredis';

type Listener = (version: number) => void;

/**
 * Tells every instance of the service that an order changed, through Redis pub/sub, so a
 * customer waiting on one instance learns of a change made on another (or by a timer).
 * The message only says "order X is now at version N"; readers fetch the order itself.
 */
export class OrderChangeFeed {
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly channel: string;

  constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
    prefix: string,
  ) {
    this.channel = `${prefix}:order-changed`;
  }

  async start(): Promise<void> {
    this.subscriber.on('message', (_channel: string, message: string) => {
      const [orderId, version] = message.split(' ');
      if (!orderId) return;
      for (const listener of this.listeners.get(orderId) ?? []) listener(Number(version));
    });
    await this.subscriber.subscribe(this.channel);
  }

  async changed(orderId: string, version: number): Promise<void> {
    await this.publisher.publish(this.channel, `${orderId} ${version}`);
  }

  /** Calls `listener` on each change of the order until the returned function is called. */
  listen(orderId: string, listener: Listener): () => void {
    const set = this.listeners.get(orderId) ?? new Set<Listener>();
    set.add(listener);
    this.listeners.set(orderId, set);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(orderId);
    };
  }

  async stop(): Promise<void> {
    await this.subscriber.unsubscribe(this.channel).catch(() => undefined);
    this.subscriber.disconnect();
  }
}
