import { once } from 'node:events';
import type { AddressInfo } from 'node:net';

import {
  buildApiDocument,
  createHttpApp,
  createLogger,
  createMetrics,
  ProblemSchema,
  type ApiRoutes,
} from '@orderpulse/service-kit';
import type { Response } from 'express';
import { z } from 'zod';

const Thing = z.object({ thingId: z.string(), size: z.number().int() });
const routes: ApiRoutes = {
  'GET /v1/things/:id': {
    tag: 'things',
    summary: 'A thing',
    roles: [],
    params: z.object({ id: z.string().max(8) }),
    answers: { 200: { description: 'The thing.', schema: Thing } },
    problems: [404],
  },
  'POST /v1/things': {
    tag: 'things',
    summary: 'Make a thing',
    roles: ['admin'],
    body: z.object({ size: z.number().int().max(10) }),
    example: { size: 3 },
    answers: { 201: { description: 'Made.', schema: Thing } },
  },
};
const auth = {
  keys: async () => {
    throw new Error('no keys');
  },
  issuer: 'test',
  audience: 'test',
} as never;

/** An app whose routes send what the test says, under the table above. */
async function serve(send: Record<string, (res: Response) => void>, table: ApiRoutes = routes, checkAnswers = true) {
  const app = createHttpApp({
    logger: createLogger('test', 'silent'),
    metrics: createMetrics('test'),
    auth,
    readiness: {},
    api: { info: { title: 'things', version: '1', description: 'Things.' }, routes: table },
    checkAnswers,
    routes: (a) => {
      a.get('/v1/things/:id', (_req, res) => send.get!(res));
      a.post('/v1/things', (_req, res) => send.post!(res));
    },
  });
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, close: () => new Promise((done) => server.close(done)) };
}

describe('an API table', () => {
  test('an answer that differs from its declared schema, or a status it does not declare, fails the request under check; the document is served', async () => {
    const app = await serve({
      get: (res) => void res.json({ thingId: 't-1', size: 'big' }),
      post: (res) => void res.status(200).json({ thingId: 't-2', size: 2 }),
    });
    try {
      const wrong = await fetch(`${app.base}/v1/things/t-1`);
      expect(wrong.status).toBe(500);
      const undeclared = await fetch(`${app.base}/v1/things`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"size":2}',
      });
      expect(undeclared.status).toBe(500);
      const document = (await (await fetch(`${app.base}/openapi.json`)).json()) as {
        openapi: string;
        paths: Record<string, unknown>;
      };
      expect(document.openapi).toBe('3.1.1');
      expect(Object.keys(document.paths)).toEqual(
        expect.arrayContaining(['/v1/things/{id}', '/v1/things', '/healthz', '/openapi.json']),
      );
    } finally {
      await app.close();
    }
  });

  test('an answer carrying a member its schema does not name, however deep, fails under check', async () => {
    const Nested = z.object({ thingId: z.string(), parts: z.array(z.object({ size: z.number() })) });
    const table: ApiRoutes = {
      ...routes,
      'GET /v1/things/:id': {
        ...routes['GET /v1/things/:id']!,
        answers: { 200: { description: 'The thing.', schema: Nested } },
      },
    };
    const deep = await serve(
      {
        get: (res) => void res.json({ thingId: 't-1', parts: [{ size: 1 }, { size: 2, secret: 'x' }] }),
        post: (res) => void res.status(201).json({ thingId: 't-2', size: 2, colour: 'red' }),
      },
      table,
    );
    try {
      const nested = await fetch(`${deep.base}/v1/things/t-1`);
      expect(nested.status).toBe(500);
      const top = await fetch(`${deep.base}/v1/things`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"size":2}',
      });
      expect(top.status).toBe(500);
    } finally {
      await deep.close();
    }
  });

  test('an answer as declared passes; unchecked, nothing is looked at', async () => {
    const checked = await serve({
      get: (res) => void res.json({ thingId: 't-1', size: 1 }),
      post: (res) => void res.status(201).json({ thingId: 't-2', size: 2 }),
    });
    const unchecked = await serve(
      { get: (res) => void res.json({ anything: true }), post: (res) => void res.status(201).json({}) },
      routes,
      false,
    );
    try {
      expect((await fetch(`${checked.base}/v1/things/t-1`)).status).toBe(200);
      expect((await fetch(`${unchecked.base}/v1/things/t-1`)).status).toBe(200);
    } finally {
      await checked.close();
      await unchecked.close();
    }
  });

  test('an example its body schema refuses, or an example for a route that takes no body, stops the service at start', async () => {
    await expect(
      serve({}, { ...routes, 'POST /v1/things': { ...routes['POST /v1/things']!, example: { size: 11 } } }),
    ).rejects.toThrow('POST /v1/things has an example its body schema refuses: size');
    await expect(
      serve({}, { ...routes, 'GET /v1/things/:id': { ...routes['GET /v1/things/:id']!, example: { size: 1 } } }),
    ).rejects.toThrow('GET /v1/things/:id has an example its body schema refuses (it takes no body)');
  });

  test('a mounted route without an entry, or an entry without a route, stops the service at start', async () => {
    const { 'POST /v1/things': _made, ...withoutPost } = routes;
    await expect(serve({}, withoutPost)).rejects.toThrow('POST /v1/things has no API entry');
    await expect(
      serve({}, { ...routes, 'DELETE /v1/things/:id': { ...routes['GET /v1/things/:id']! } }),
    ).rejects.toThrow('DELETE /v1/things/:id is declared but no such route exists');
  });

  test('the document names path parameters, request bodies with their example, answers and the problem answers by reference', () => {
    const document = buildApiDocument({ title: 'things', version: '1', description: 'Things.' }, routes) as {
      paths: Record<
        string,
        Record<
          string,
          {
            parameters: { name: string; in: string }[];
            requestBody?: { content: Record<string, { example?: unknown }> };
            responses: Record<string, { $ref?: string }>;
            security: unknown[];
          }
        >
      >;
      components: { responses: Record<string, unknown> };
    };
    const get = document.paths['/v1/things/{id}']!.get!;
    expect(get.parameters).toEqual([expect.objectContaining({ name: 'id', in: 'path' })]);
    expect(get.responses['404']).toEqual({ $ref: '#/components/responses/Problem404' });
    expect(get.security).toEqual([]);
    const post = document.paths['/v1/things']!.post!;
    expect(post.requestBody?.content['application/json']?.example).toEqual({ size: 3 });
    expect(post.security).toEqual([{ bearer: [] }]);
    expect(Object.keys(post.responses)).toEqual(
      expect.arrayContaining(['201', '400', '401', '403', '413', '415', '429', '503']),
    );
    expect(Object.keys(document.components.responses)).toEqual(
      expect.arrayContaining(['Problem401', 'Problem404', 'Problem413']),
    );
    expect(
      ProblemSchema.safeParse({
        type: 'urn:orderpulse:problem:not-found',
        title: 'not found',
        status: 404,
        detail: 'x',
        instance: '/x',
        code: 'NOT_FOUND',
        requestId: 'r',
        check: 'store_open',
      }).success,
    ).toBe(true);
  });
});
