import { AppError, authenticated, ConfigError, commonEnv, kafkaEnv, loadConfig, mongoEnv, parseInput, principalOf, redisEnv, requireRole, signToken, startService } from '@orderpulse/service-kit';
import { hostileTargets, rawRequest, stackEnv, uniqueName } from '@orderpulse/testkit';
import { z } from 'zod';

const env = stackEnv();
const auth = { secret: 'a-test-secret-that-is-long-enough-for-hs256', issuer: 'orderpulse' };
const Config = z.object({ ...commonEnv, ...kafkaEnv, ...mongoEnv, ...redisEnv });
const config = loadConfig(Config, {
  ...env,
  HTTP_PORT: '0',
  MONGO_DB: uniqueName('kit'),
  JWT_SECRET: auth.secret,
  LOG_LEVEL: 'silent',
});

const Greeting = z.object({ name: z.string().min(1).max(20) });
let base = '';
let port = 0;
let stop: () => Promise<void>;

beforeAll(async () => {
  const started = await startService('kit-test', config, async () => ({
    routes: (app) => {
      app.post('/greetings', authenticated(auth), (req, res) => {
        requireRole(principalOf(req), 'customer');
        const { name } = parseInput(Greeting, req.body);
        if (name === 'taken') throw AppError.conflict('that name is taken', { current: 'someone' });
        res.status(201).json({ hello: name, by: principalOf(req).subject });
      });
      app.get('/greetings/:name', (req, res) => {
        res.json({ hello: req.params.name });
      });
      app.get('/boom', () => {
        throw new Error('a bug of ours');
      });
    },
  }));
  base = `http://127.0.0.1:${started.port}`;
  port = started.port;
  stop = started.stop;
});

afterAll(() => stop());

const token = (role: 'customer' | 'merchant', secret = auth.secret) => signToken({ subject: 'u-1', role }, { ...auth, secret });

async function post(body: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${base}/greetings`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token('customer')}`, ...headers }, body });
  return { status: response.status, type: response.headers.get('content-type'), body: (await response.json()) as Record<string, unknown> };
}

describe('a service built with the kit', () => {
  test('health, readiness of its real dependencies, and metrics answer', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { mongo: 'ok', redis: 'ok', kafka: 'ok' } });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('http_request_duration_seconds_bucket');
    expect(metrics).toContain('service="kit-test"');
  });

  test('an authorised, valid request succeeds and carries a request id', async () => {
    const response = await fetch(`${base}/greetings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token('customer')}`, 'x-request-id': 'req-123' },
      body: JSON.stringify({ name: 'Li' }),
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-request-id')).toBe('req-123');
    expect(await response.json()).toEqual({ hello: 'Li', by: 'u-1' });
  });

  test.each([
    ['malformed JSON', '{"name":', {}, 400, 'INVALID_INPUT'],
    ['a body that breaks the schema', '{"name":""}', {}, 400, 'INVALID_INPUT'],
    ['a body over the size limit', JSON.stringify({ name: 'x'.repeat(70_000) }), {}, 413, 'PAYLOAD_TOO_LARGE'],
    ['no token', '{"name":"Li"}', { authorization: '' }, 401, 'UNAUTHENTICATED'],
    ['a token signed with another secret', '{"name":"Li"}', { authorization: `Bearer ${token('customer', 'another-secret-that-is-long-enough-too')}` }, 401, 'UNAUTHENTICATED'],
    ['the wrong role', '{"name":"Li"}', { authorization: `Bearer ${token('merchant')}` }, 403, 'FORBIDDEN'],
    ['a conflict', '{"name":"taken"}', {}, 409, 'CONFLICT'],
  ])('%s is refused with a problem+json, not a 5xx', async (_name, body, headers, status, code) => {
    const answer = await post(body, headers);
    expect(answer.status).toBe(status);
    expect(answer.type).toContain('application/problem+json');
    expect(answer.body).toMatchObject({ status, code, instance: '/greetings', type: expect.stringMatching(/^urn:orderpulse:problem:/) });
  });

  test('schema problems name each field', async () => {
    const answer = await post('{"name":""}');
    expect(answer.body.errors).toEqual([{ path: 'name', message: expect.any(String) }]);
  });

  test('an unknown route is a 404 problem, and our own bug a 500 problem without its details', async () => {
    const missing = await fetch(`${base}/nowhere`);
    expect(missing.status).toBe(404);
    const boom = await fetch(`${base}/boom`);
    expect(boom.status).toBe(500);
    expect(JSON.stringify(await boom.json())).not.toContain('a bug of ours');
  });

  test('a malformed escape in a path parameter is a 400 problem, and every hostile request target a 4xx, never a 5xx', async () => {
    const malformed = await rawRequest(port, '/greetings/%E0%A4%A');
    expect(malformed.status).toBe(400);
    expect(JSON.parse(malformed.body)).toMatchObject({ status: 400, code: 'INVALID_INPUT' });
    for (const target of [...hostileTargets, ...hostileTargets.map((t) => `/greetings${t}`)]) {
      const { status, text } = await rawRequest(port, target);
      expect([target, status >= 200 && status < 500 ? 'answered' : status]).toEqual([target, 'answered']);
      if (status >= 400) expect(text).toMatch(/content-type: application\/problem\+json/i);
    }
    expect((await fetch(`${base}/greetings/Li`)).status).toBe(200);
  });

  test('configuration is refused at start with every problem named', () => {
    expect(() => loadConfig(Config, { HTTP_PORT: 'eighty', JWT_SECRET: 'short' })).toThrow(ConfigError);
    try {
      loadConfig(Config, { HTTP_PORT: 'eighty', JWT_SECRET: 'short' });
    } catch (error) {
      expect((error as ConfigError).problems).toEqual(
        expect.arrayContaining([expect.stringContaining('HTTP_PORT'), expect.stringContaining('JWT_SECRET'), expect.stringContaining('KAFKA_BROKERS'), expect.stringContaining('MONGO_URL')]),
      );
    }
    expect.assertions(2);
  });
});
