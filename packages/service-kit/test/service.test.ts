import {
  AppError,
  authenticated,
  ConfigError,
  commonEnv,
  createTokenIssuer,
  ephemeralTokenIssuer,
  generateSigningKey,
  kafkaEnv,
  loadConfig,
  mongoEnv,
  parseInput,
  principalOf,
  redisEnv,
  requireRole,
  startService,
} from '@orderpulse/service-kit';
import { hostileTargets, rawRequest, stackEnv, uniqueName } from '@orderpulse/testkit';
import { z } from 'zod';

const env = stackEnv();
const { issuer, jwksPath } = ephemeralTokenIssuer();
/** A key the service's key set does not hold. */
const stranger = createTokenIssuer({ privateKey: generateSigningKey(), kid: issuer.kid });
const Config = z.object({ ...commonEnv, ...kafkaEnv, ...mongoEnv, ...redisEnv });
const config = loadConfig(Config, {
  ...env,
  HTTP_PORT: '0',
  MONGO_DB: uniqueName('kit'),
  JWT_JWKS: jwksPath,
  LOG_LEVEL: 'silent',
  // Low enough for one test to pass it, high enough for the rest of the file.
  RATE_LIMIT_PER_PRINCIPAL: '40',
  QUEUE_PREFIX: uniqueName('kit'),
  MONGO_MONITOR_COMMANDS: 'true',
});

const Greeting = z.object({ name: z.string().min(1).max(20) });
let base = '';
let port = 0;
let stop: () => Promise<void>;

beforeAll(async () => {
  const started = await startService('kit-test', config, async ({ auth }) => ({
    routes: (app) => {
      app.get('/me', authenticated(auth), (req, res) => {
        res.json({ subject: principalOf(req).subject });
      });
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

const token = (role: 'customer' | 'merchant', by = issuer) =>
  by.sign({ subject: 'u-1', role }, { audience: 'orderpulse-kit-test' });

async function post(body: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${base}/greetings`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token('customer')}`, ...headers },
    body,
  });
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    body: (await response.json()) as Record<string, unknown>,
  };
}

describe('a service built with the kit', () => {
  test('health, readiness of its real dependencies, and metrics answer', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { mongo: 'ok', redis: 'ok' } });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('http_request_duration_seconds_bucket');
    expect(metrics).toContain('service="kit-test"');
    // The work it sends out is counted: the readiness check's ping is a MongoDB command.
    expect(metrics).toMatch(/mongodb_client_commands_total\{command="ping",collection="",service="kit-test"\} [1-9]/);
  });

  test('an authorised, valid request succeeds and carries a request id', async () => {
    const response = await fetch(`${base}/greetings`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${token('customer')}`,
        'x-request-id': 'req-123',
      },
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
    [
      'a token signed with a key outside the key set',
      '{"name":"Li"}',
      { authorization: `Bearer ${token('customer', stranger)}` },
      401,
      'UNAUTHENTICATED',
    ],
    ['the wrong role', '{"name":"Li"}', { authorization: `Bearer ${token('merchant')}` }, 403, 'FORBIDDEN'],
    ['a conflict', '{"name":"taken"}', {}, 409, 'CONFLICT'],
  ])('%s is refused with a problem+json, not a 5xx', async (_name, body, headers, status, code) => {
    const answer = await post(body, headers);
    expect(answer.status).toBe(status);
    expect(answer.type).toContain('application/problem+json');
    expect(answer.body).toMatchObject({
      status,
      code,
      instance: '/greetings',
      type: expect.stringMatching(/^urn:orderpulse:problem:/),
    });
  });

  test('schema problems name each field', async () => {
    const answer = await post('{"name":""}');
    expect(answer.body.errors).toEqual([{ path: 'name', message: expect.any(String) }]);
  });

  test('a body that is not JSON is a 415 problem naming its type, whatever the route; a JSON one with a suffix is taken', async () => {
    const bearer = token('customer');
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      undefined,
    ]) {
      const reply = await rawRequest(port, '/greetings', {
        method: 'POST',
        headers: { authorization: `Bearer ${bearer}`, ...(type ? { 'content-type': type } : {}) },
        body: '{"name":"Li"}',
      });
      expect([type, reply.status]).toEqual([type, 415]);
      expect(reply.text).toMatch(/content-type: application\/problem\+json/i);
      expect(JSON.parse(reply.body)).toMatchObject({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
    }
    const suffixed = await rawRequest(port, '/greetings', {
      method: 'POST',
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/merge-patch+json' },
      body: '{"name":"Li"}',
    });
    expect(suffixed.status).toBe(201);
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
    expect(() => loadConfig(Config, { HTTP_PORT: 'eighty', JWT_JWKS: '' })).toThrow(ConfigError);
    try {
      loadConfig(Config, { HTTP_PORT: 'eighty', JWT_JWKS: '' });
    } catch (error) {
      expect((error as ConfigError).problems).toEqual(
        expect.arrayContaining([
          expect.stringContaining('HTTP_PORT'),
          expect.stringContaining('JWT_JWKS'),
          expect.stringContaining('KAFKA_BROKERS'),
          expect.stringContaining('MONGO_URL'),
        ]),
      );
    }
    expect.assertions(2);
  });

  test('every answer carries the security headers', async () => {
    const answer = await fetch(`${base}/healthz`);
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    expect(answer.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    expect(answer.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(answer.headers.get('x-frame-options')).toBe('SAMEORIGIN');
  });

  test('a principal past its rate limit gets 429 with Retry-After as problem+json, and another principal does not', async () => {
    const hasty = issuer.sign({ subject: uniqueName('hasty'), role: 'customer' }, { audience: 'orderpulse-kit-test' });
    const statuses: number[] = [];
    let refused: Response | undefined;
    for (let i = 0; i < 45 && !refused; i += 1) {
      const answer = await fetch(`${base}/me`, { headers: { authorization: `Bearer ${hasty}` } });
      statuses.push(answer.status);
      if (answer.status === 429) refused = answer;
      else await answer.arrayBuffer();
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(40);
    expect(refused?.status).toBe(429);
    expect(refused?.headers.get('content-type')).toContain('application/problem+json');
    expect(Number(refused?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await refused?.json()).toMatchObject({
      status: 429,
      code: 'RATE_LIMITED',
      retryAfterSeconds: expect.any(Number),
    });
    const calm = issuer.sign({ subject: uniqueName('calm'), role: 'customer' }, { audience: 'orderpulse-kit-test' });
    expect((await fetch(`${base}/me`, { headers: { authorization: `Bearer ${calm}` } })).status).toBe(200);
  });
});

describe('rate limits across instances', () => {
  test('two instances of a service count one client address together in Redis: past the limit either answers 429', async () => {
    const shared = loadConfig(Config, {
      ...env,
      HTTP_PORT: '0',
      MONGO_DB: uniqueName('kit'),
      JWT_JWKS: jwksPath,
      LOG_LEVEL: 'silent',
      RATE_LIMIT_PER_ADDRESS: '6',
      QUEUE_PREFIX: uniqueName('kit'),
    });
    const instances = [
      await startService('kit-limited', shared, async () => ({})),
      await startService('kit-limited', shared, async () => ({})),
    ];
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 8; i += 1) {
        const answer = await fetch(`http://127.0.0.1:${instances[i % 2]!.port}/healthz`);
        await answer.arrayBuffer();
        statuses.push(answer.status);
      }
      expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 429, 429]);
    } finally {
      await Promise.all(instances.map((i) => i.stop()));
    }
  });
});
