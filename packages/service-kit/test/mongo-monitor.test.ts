import { once } from 'node:events';

import { connectMongo, watchMongoMonitor } from '@orderpulse/service-kit';
import { stackEnv, uniqueName, waitFor } from '@orderpulse/testkit';
import type mongoose from 'mongoose';

/**
 * The watch on the driver's own server monitor, on a real connection to the stack's MongoDB.
 * A check that hangs cannot be made to order, so the test opens one as the driver announces
 * it (its `serverHeartbeatStarted` event) and lets it stay open, as the wedged monitor did.
 */
describe("the watch on the MongoDB driver's server monitor", () => {
  let connection: mongoose.Connection;

  beforeAll(async () => {
    connection = await connectMongo(stackEnv().MONGO_URL, uniqueName('kit-monitor'));
  });

  afterAll(() => connection.close());

  test('a check left open past its limit is told, with how long it has been open', async () => {
    const told: number[] = [];
    const watch = watchMongoMonitor(connection, (openForMs) => told.push(openForMs), {
      stuckAfterMs: 300,
      everyMs: 20,
    });
    try {
      connection.getClient().emit('serverHeartbeatStarted', { connectionId: 'test' } as never);
      await waitFor(() => told.length, { what: 'the stuck check told', until: (n) => n > 0 });
      expect(told[0]).toBeGreaterThanOrEqual(300);
    } finally {
      watch.stop();
    }
  });

  test('checks that end, in success or failure, are never told, and the live monitor keeps ending them', async () => {
    const told: number[] = [];
    const watch = watchMongoMonitor(connection, (openForMs) => told.push(openForMs), {
      stuckAfterMs: 300,
      everyMs: 20,
    });
    try {
      const client = connection.getClient();
      client.emit('serverHeartbeatStarted', { connectionId: 'test' } as never);
      client.emit('serverHeartbeatSucceeded', { connectionId: 'test' } as never);
      client.emit('serverHeartbeatStarted', { connectionId: 'test' } as never);
      client.emit('serverHeartbeatFailed', { connectionId: 'test' } as never);
      // The real monitor's next check (every 10 s) starts and ends on its own.
      const ended = await once(client, 'serverHeartbeatSucceeded', { signal: AbortSignal.timeout(13_000) }).then(
        () => true,
      );
      expect(ended).toBe(true);
      expect(told).toEqual([]);
    } finally {
      watch.stop();
    }
  });
});
