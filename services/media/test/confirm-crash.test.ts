import { join } from 'node:path';

import { ChildService, stackEnv, waitFor } from '@orderpulse/testkit';
import mongoose from 'mongoose';

import {
  type Deployment,
  deploymentEnv,
  type Grant,
  keysUnder,
  MediaEvents,
  MediaInstance,
  newDeployment,
  OrderEvents,
  photo,
  tokens,
  upload,
} from './support/media-harness';

const main = join(__dirname, '..', 'dist', 'main.js');

/** The built service as its own process, so the test can stop it dead in the middle of a confirmation. */
async function startChild(deployment: Deployment): Promise<{ child: ChildService; caller: MediaInstance }> {
  const child = new ChildService(process.execPath, [main], {
    ...process.env,
    ...deploymentEnv(deployment, { LOG_LEVEL: 'info', MEDIA_CONFIRM_LEASE_SECONDS: '2' }),
  }).start();
  const line = await waitFor(() => child.output.find((l) => l.includes('media listening')), {
    what: `the service to listen; output:\n${child.tail()}`,
    timeoutMs: 60_000,
  });
  const caller = new MediaInstance(deployment);
  caller.base = `http://127.0.0.1:${(JSON.parse(String(line)) as { port: number }).port}`;
  return { child, caller };
}

describe('a media instance that dies while it checks an upload', () => {
  let deployment: Deployment;
  let orders: OrderEvents;
  let events: MediaEvents;
  let mongo: mongoose.mongo.MongoClient;
  const children: ChildService[] = [];

  beforeAll(async () => {
    deployment = await newDeployment();
    orders = new OrderEvents(deployment);
    events = await new MediaEvents(deployment).start();
    mongo = await new mongoose.mongo.MongoClient(stackEnv().MONGO_URL).connect();
  });

  afterAll(async () => {
    await Promise.all(children.map((c) => c.kill()));
    await events.stop();
    await orders.stop();
    await mongo.close();
    deployment.s3.destroy();
  });

  test('leaves the grant usable: the same upload is confirmed on the next instance and its photo attached, once', async () => {
    // Two instances, as production runs: one dies, the other goes on.
    const [first, next] = await Promise.all([startChild(deployment), startChild(deployment)]);
    children.push(first.child, next.child);
    const order = await orders.moved(await orders.placed(), 'accepted');
    const body = await photo(2_400, 1_800);
    const grant: Grant = await first.caller.grant(order.orderId, 'accepted', tokens.merchant('m-1'), {
      contentType: 'image/jpeg',
      bytes: body.length,
    });
    expect((await upload(grant, body)).status).toBe(200);

    const stateOf = async () => {
      const doc = await mongo
        .db(deployment.db)
        .collection('order_media')
        .findOne({ _id: order.orderId } as mongoose.mongo.Document);
      return (doc?.slots as { accepted?: { grant?: { state?: string } } } | undefined)?.accepted?.grant?.state;
    };
    const confirming = first.caller.confirm(grant, tokens.merchant('m-1')).catch(() => undefined);
    // The moment the confirmation has taken the grant, and before it could attach the photo, the instance stops dead.
    const taken = await waitFor(stateOf, {
      what: 'the confirmation to take the grant',
      intervalMs: 1,
      until: (state) => state !== undefined && state !== 'issued',
    });
    process.kill(first.child.pid!, 'SIGSTOP');
    await first.child.kill('SIGKILL');
    await confirming;
    expect(taken).not.toBe('issued');

    const confirmed = await waitFor(() => next.caller.confirm(grant, tokens.merchant('m-1')), {
      what: 'the upload confirmed again',
      timeoutMs: 15_000,
      until: (r) => r.status !== 409 || !String(r.body?.detail).includes('being checked'),
    });
    expect(confirmed.status).toBe(201);
    const attached = await events.next(order.orderId, 'accepted');
    expect(attached.data).toMatchObject({ source: 'photo', fallback: false, mediaId: confirmed.body.mediaId });
    expect(await stateOf()).toBe('used');
    expect(events.of(order.orderId, 'accepted')).toHaveLength(1);
    expect(await keysUnder(deployment, `uploads/${encodeURIComponent(order.orderId)}/`)).toEqual([]);
  });
});
