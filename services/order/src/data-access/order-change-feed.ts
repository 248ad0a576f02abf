import { RealtimeFanout } from '@orderpulse/service-kit';
import type { Redis } from 'ioredis';

/**
 * Tells every instance of the service that an order changed, through Redis pub/sub, so a
 * customer waiting on one instance learns of a change made on another (or by a timer).
 * The message only says "order X is now at version N"; readers fetch the order itself.
 */
export class OrderChangeFeed {
  private readonly fanout: RealtimeFanout;

  constructor(publisher: Redis, subscriber: Redis, prefix: string) {
    // `<orderId> <version>`, as every version of the service has written it.
    this.fanout = new RealtimeFanout(publisher, subscriber, `${prefix}:order-changed`, ' ');
  }

  async start(): Promise<void> {
    await this.fanout.start();
  }

  async changed(orderId: string, version: number): Promise<void> {
    await this.fanout.publish(orderId, String(version));
  }

  /** Calls `listener` on each change of the order until the returned function is called. */
  listen(orderId: string, listener: (version: number) => void): () => void {
    return this.fanout.listen(orderId, (body) => listener(Number(body)));
  }

  async stop(): Promise<void> {
    await this.fanout.stop();
  }
}
