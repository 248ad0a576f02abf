import { connectRedis, RealtimeFanout } from '@orderpulse/service-kit';
import { stackEnv, uniqueName, waitFor } from '@orderpulse/testkit';
import type { Redis } from 'ioredis';

const env = stackEnv();
let publisher: Redis;
const opened: RealtimeFanout[] = [];

/** One instance's fan-out on a channel: its own subscriber connection, the shared publisher. */
async function instance(channel: string): Promise<RealtimeFanout> {
  const fanout = new RealtimeFanout(publisher, connectRedis(env.REDIS_URL), channel);
  await fanout.start();
  opened.push(fanout);
  return fanout;
}

beforeAll(() => {
  publisher = connectRedis(env.REDIS_URL);
});

afterAll(async () => {
  await Promise.all(opened.map((f) => f.stop()));
  publisher.disconnect();
});

describe('RealtimeFanout', () => {
  it('tells the listeners of a key on every instance, and no one else', async () => {
    const channel = uniqueName('fanout');
    const [one, two] = [await instance(channel), await instance(channel)];
    const heard: string[] = [];
    one.listen('order-1', (body) => heard.push(`one ${body}`));
    two.listen('order-1', (body) => heard.push(`two ${body}`));
    two.listen('order-2', (body) => heard.push(`two/2 ${body}`));
    await one.publish('order-1', '7');
    await waitFor(() => heard.length === 2);
    expect(heard.sort()).toEqual(['one 7', 'two 7']);
  });

  it('passes bodies with newlines through whole, and stops telling a listener once it is removed', async () => {
    const channel = uniqueName('fanout');
    const fanout = await instance(channel);
    // The witness listens throughout: once it has heard a message, every listener then present has.
    const witness: string[] = [];
    fanout.listen('r-1', (body) => witness.push(body));
    const heard: string[] = [];
    const stop = fanout.listen('r-1', (body) => heard.push(body));
    await fanout.publish('r-1', '1-0\n{"a":1}');
    await waitFor(() => heard.length === 1);
    stop();
    await fanout.publish('r-1', 'after');
    await waitFor(() => witness.length === 2);
    expect(heard).toEqual(['1-0\n{"a":1}']);
    expect(witness).toEqual(['1-0\n{"a":1}', 'after']);
  });

  it('ignores what other channels and malformed messages carry', async () => {
    const channel = uniqueName('fanout');
    const fanout = await instance(channel);
    const heard: string[] = [];
    fanout.listen('k', (body) => heard.push(body));
    await publisher.publish(channel, 'no newline at all');
    await publisher.publish(uniqueName('other'), 'k\nelsewhere');
    await fanout.publish('k', 'here');
    await waitFor(() => heard.length === 1);
    expect(heard).toEqual(['here']);
  });

  it("keeps a channel's own separator: <key> <body>, as the order change feed has always written it", async () => {
    const channel = uniqueName('fanout');
    const fanout = new RealtimeFanout(publisher, connectRedis(env.REDIS_URL), channel, ' ');
    await fanout.start();
    opened.push(fanout);
    const heard: string[] = [];
    fanout.listen('ord_1', (body) => heard.push(body));
    await publisher.publish(channel, 'ord_1 7');
    await fanout.publish('ord_1', '8');
    await waitFor(() => heard.length === 2);
    expect(heard).toEqual(['7', '8']);
  });
});
