import { defineEvent, newEvent } from '@orderpulse/contracts';
import { applyTopics, EventConsumer, EventProducer, KafkaClient, on, plannedTopics } from '@orderpulse/kafka';
import {
  commonEnv,
  ephemeralTokenIssuer,
  kafkaEnv,
  loadConfig,
  mongoEnv,
  redisEnv,
  startService,
} from '@orderpulse/service-kit';
import { stackEnv, TcpProxy, uniqueName, waitFor } from '@orderpulse/testkit';
import { z } from 'zod';

const env = stackEnv();
const { jwksPath } = ephemeralTokenIssuer();
const Config = z.object({ ...commonEnv, ...kafkaEnv, ...mongoEnv, ...redisEnv });
const configWith = (overrides: Record<string, string>) =>
  loadConfig(Config, {
    ...env,
    HTTP_PORT: '0',
    MONGO_DB: uniqueName('kit-faults'),
    JWT_JWKS: jwksPath,
    LOG_LEVEL: 'silent',
    ...overrides,
  });
const stops: (() => Promise<void>)[] = [];

afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
});

const Pinged = (topic: string) =>
  defineEvent({ type: 'kit.pinged', version: 1, topic, summary: 'a ping', schema: z.object({}), example: {} });

describe('a service built with the kit, while its dependencies fail', () => {
  test('with the broker unreachable it listens at once, is ready, and serves writes; its consumer keeps trying in the background', async () => {
    const config = configWith({ KAFKA_BROKERS: '127.0.0.1:1' });
    const began = Date.now();
    const started = await startService('kit-no-broker', config, async (platform) => ({
      consumers: [
        new EventConsumer(platform.kafka!, { groupId: uniqueName('group'), topics: ['never-reached'], handlers: [] }),
      ],
      routes: (app) => {
        app.post('/notes', async (_req, res) => {
          await platform.mongo!.db!.collection('notes').insertOne({ at: new Date() });
          res.status(201).json({ stored: true });
        });
      },
    }));
    stops.push(started.stop);
    // The old start-up waited for the producer to connect (≈10 s of tries) and then failed.
    expect(Date.now() - began).toBeLessThan(5_000);
    const base = `http://127.0.0.1:${started.port}`;

    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as {
      checks: Record<string, string>;
      details: { consumers: Record<string, { state: string }> };
    };
    expect(body.checks).toEqual({ mongo: 'ok', redis: 'ok' });
    expect(Object.values(body.details.consumers).map((c) => c.state)).toEqual(['starting']);
    expect((await fetch(`${base}/notes`, { method: 'POST' })).status).toBe(201);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  test('when MongoDB is unreachable a request fails fast with 503, problem+json and Retry-After, and succeeds again once it is back', async () => {
    const target = new URL(env.MONGO_URL);
    const proxy = new TcpProxy(target.hostname, Number(target.port || 27017));
    await proxy.start();
    stops.push(() => proxy.stop());
    const config = configWith({ MONGO_URL: `mongodb://127.0.0.1:${proxy.port}/?directConnection=true` });
    const started = await startService('kit-no-mongo', config, async (platform) => ({
      routes: (app) => {
        app.get('/notes/:id', async (req, res) => {
          const note = await platform
            .mongo!.db!.collection<{ _id: string }>('notes')
            .findOne({ _id: String(req.params.id) });
          res.json({ found: note !== null });
        });
      },
    }));
    stops.push(started.stop);
    const base = `http://127.0.0.1:${started.port}`;
    expect((await fetch(`${base}/notes/n-1`)).status).toBe(200);

    await proxy.cut();
    const asked = Date.now();
    const answer = await fetch(`${base}/notes/n-1`);
    const took = Date.now() - asked;
    expect(answer.status).toBe(503);
    expect(answer.headers.get('content-type')).toContain('application/problem+json');
    expect(answer.headers.get('retry-after')).toBe('2');
    expect(await answer.json()).toMatchObject({ code: 'UNAVAILABLE', status: 503 });
    expect(took).toBeLessThan(4_000);
    expect((await fetch(`${base}/readyz`)).status).toBe(503);

    await proxy.restore();
    await waitFor(async () => (await fetch(`${base}/notes/n-1`)).status, {
      until: (s) => s === 200,
      what: 'requests served again',
      timeoutMs: 30_000,
    });
  });

  test('a consumer that crashed and cannot be restarted fails liveness; readiness shows it but stays up', async () => {
    const client = new KafkaClient({ brokers: env.KAFKA_BROKERS.split(','), clientId: 'kit-faults' });
    const topic = uniqueName('kit-crash');
    await applyTopics(
      client,
      plannedTopics({
        defaults: { partitions: 1, replicationFactor: 1 },
        deadLetter: { partitions: 1 },
        topics: [{ name: topic, consumedBy: ['kit'] }],
      }),
    );
    const event = Pinged(topic);
    const started = await startService('kit-crash', configWith({}), async (platform) => ({
      consumers: [
        new EventConsumer(platform.kafka!, {
          groupId: uniqueName('group'),
          topics: [topic],
          handlers: [on(event, async () => undefined)],
          maxRestarts: 0,
          // A fault in the runner itself, which kafkajs does not restart.
          around: async () => {
            throw Object.assign(new Error('runner fault'), { retriable: false });
          },
        }),
      ],
    }));
    stops.push(started.stop);
    const base = `http://127.0.0.1:${started.port}`;
    const producer = new EventProducer(client);
    stops.push(() => producer.disconnect());
    await producer.publish([{ topic, event: newEvent(event, { source: 'test', subject: 'p-1', data: {} }) }]);

    await waitFor(async () => (await fetch(`${base}/healthz`)).status, {
      until: (s) => s === 503,
      what: 'liveness to fail',
      timeoutMs: 30_000,
    });
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { details: { consumers: Record<string, { state: string }> } };
    expect(Object.values(body.details.consumers).map((c) => c.state)).toEqual(['failed']);
  });
});
