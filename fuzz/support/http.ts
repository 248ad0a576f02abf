import { gzipSync, deflateSync, brotliCompressSync } from 'node:zlib';

import { rawRequest, type RawReply } from '@orderpulse/testkit';
import fc from 'fast-check';
import type { z } from 'zod';

import { anyJson, hostileString, hostileStrings } from './hostile';
import { arbitraryOf, offSchema } from './schema-arbitrary';
import { fuzzSettings, withSeed } from './settings';

/** One route of a service: its method, its path with `:params`, and the schemas of what it reads. */
export interface Route {
  method: string;
  path: string;
  body?: z.ZodType;
  query?: z.ZodType;
  /** Values a param would have in a real call (ids that exist), so inputs reach past the lookup. */
  params?: Record<string, string[]>;
}

export interface HttpTarget {
  port: number;
  routes: Route[];
  /** Bearer tokens of every role that calls the service (minted by the service's own harness). */
  tokens: string[];
  /** A request that must succeed after the fuzz, to prove the service still serves. */
  stillServes: () => Promise<void>;
}

/** What one fuzz input sends. */
export interface HttpInput {
  method: string;
  target: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** Sent with a Content-Length larger than the body and the socket half-closed: no answer is owed. */
  cutShort: boolean;
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'TRACE', 'PROPFIND', 'PURGE'];
const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=UTF-8',
  'application/json;charset=latin1',
  'application/json; charset=utf-16',
  'application/json; charset=klingon',
  'application/problem+json',
  'application/merge-patch+json',
  'text/plain',
  'text/plain; charset=utf-8',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/octet-stream',
  '*/*',
  ';;;',
];
const ACCEPTS = [
  '*/*',
  'application/json',
  'application/problem+json',
  'text/html',
  'text/event-stream',
  'image/*',
  'application/xml;q=0.9, */*;q=0.1',
  '',
];
const ENCODINGS = ['gzip', 'deflate', 'br', 'identity', 'x-unknown', 'gzip, gzip'];
const MALFORMED_ESCAPES = ['%E0%A4%A', '%', '%zz', '%C0%AF', '%ED%A0%80', '%00', '%2e%2e%2f', '%25'];

/** Percent-encodes as a client would; a lone surrogate (which encodeURIComponent refuses) goes as the bytes a sloppy client sends. */
const encodeSegment = (s: string) =>
  encodeURIComponent(s.replace(/\p{Cs}/gu, '')) + (/\p{Cs}/u.test(s) ? '%ED%A0%80' : '');

function targetOf(route: Route): fc.Arbitrary<string> {
  const names = [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
  const segment = (name: string) =>
    fc.oneof(
      {
        weight: 4,
        arbitrary: route.params?.[name]?.length
          ? fc.constantFrom(...route.params[name])
          : fc.stringMatching(/^[A-Za-z0-9_-]{1,24}$/),
      },
      { weight: 2, arbitrary: hostileString().map(encodeSegment) },
      { weight: 2, arbitrary: fc.constantFrom(...MALFORMED_ESCAPES) },
      { weight: 1, arbitrary: fc.constantFrom('', '.', '..', '%2F', 'a/b', 'x'.repeat(5_000)) },
    );
  const query = fc.oneof(
    { weight: 4, arbitrary: fc.constant('') },
    { weight: 3, arbitrary: route.query ? arbitraryOf(route.query).map((q) => queryString(q)) : fc.constant('') },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.constantFrom('limit', 'status', 'cursor', 'recipient', 'access_token', 'a', '__proto__'),
          fc.array(fc.oneof(hostileString(), fc.constantFrom(...MALFORMED_ESCAPES)), { minLength: 1, maxLength: 3 }),
        )
        .map(([k, vs]) => vs.map((v) => `${k}=${encodeSegment(v)}`).join('&')),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'a[]=1&a[]=2',
        'limit=1&limit=2',
        'status[x]=1',
        '__proto__[polluted]=1',
        'constructor[prototype][polluted]=1',
        '%E0%A4%A=1',
        '=&&=',
        `q=${'x'.repeat(9_000)}`,
      ),
    },
  );
  return fc.tuple(fc.tuple(...names.map(segment)), query).map(([values, q]) => {
    let i = 0;
    const path = route.path.replace(/:(\w+)/g, () => values[i++] ?? '');
    return q ? `${path}?${q}` : path;
  });
}

function queryString(value: unknown): string {
  if (!value || typeof value !== 'object') return '';
  return Object.entries(value as Record<string, unknown>)
    .filter(([k]) => k !== 'wait') // a long-poll holds the answer by design
    .map(([k, v]) => `${encodeSegment(k)}=${encodeSegment(typeof v === 'string' ? v : JSON.stringify(v))}`)
    .join('&');
}

function bodyOf(route: Route): fc.Arbitrary<string | undefined> {
  const valid = route.body ? arbitraryOf(route.body) : anyJson();
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant(undefined) },
    { weight: 4, arbitrary: valid.map((v) => JSON.stringify(v)) },
    { weight: 4, arbitrary: offSchema(valid).map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: anyJson().map((v) => JSON.stringify(v)) },
    {
      weight: 1,
      arbitrary: fc.oneof(
        hostileString(),
        fc.constantFrom('{"a":', '[', 'null', '""', '1e999', '{"a":1}{"b":2}', '\uFEFF{}', '{"__proto__":{"x":1}}'),
      ),
    },
  );
}

/** A fuzz input for one of the routes: method, target, headers and body in every combination. */
export function httpInput(routes: Route[], tokens: string[]): fc.Arbitrary<HttpInput> {
  return fc.constantFrom(...routes).chain((route) =>
    fc
      .record({
        method: fc.oneof(
          { weight: 5, arbitrary: fc.constant(route.method) },
          { weight: 1, arbitrary: fc.constantFrom(...METHODS) },
        ),
        target: targetOf(route),
        body: bodyOf(route),
        auth: fc.oneof(
          { weight: 6, arbitrary: fc.constantFrom(...tokens).map((t) => `Bearer ${t}`) },
          {
            weight: 1,
            arbitrary: fc.constantFrom('', 'Bearer', 'Bearer x.y.z', 'Basic YTpi', `Bearer ${'a'.repeat(4_000)}`),
          },
        ),
        contentType: fc.option(fc.constantFrom(...CONTENT_TYPES), { freq: 5 }),
        accept: fc.option(fc.constantFrom(...ACCEPTS), { freq: 3 }),
        encoding: fc.option(fc.constantFrom(...ENCODINGS), { freq: 8 }),
        garbleEncoding: fc.boolean(),
        framing: fc.constantFrom('length', 'length', 'length', 'chunked', 'zero', 'short', 'cut'),
        requestId: fc.option(fc.oneof(hostileString(), fc.constant('x'.repeat(200))), { freq: 10 }),
        // An EventSource reconnecting: cursors of the right shape that are not this backlog's, and ones of no shape at all.
        lastEventId: fc.option(
          fc.oneof(
            hostileString(),
            fc.constantFrom(
              '0-0',
              '0',
              '-1',
              '1-1-1',
              '99999999999999-0',
              '1700000000000-18446744073709551616',
              '4102444800000-0',
              '1e3-0',
              ' 1-0',
            ),
          ),
          { freq: 6 },
        ),
      })
      .map(
        ({
          method,
          target,
          body,
          auth,
          contentType,
          accept,
          encoding,
          garbleEncoding,
          framing,
          requestId,
          lastEventId,
        }) => {
          const headers: Record<string, string> = {};
          if (auth) headers.authorization = latin1(auth);
          if (contentType !== null) headers['content-type'] = contentType;
          else if (body !== undefined) headers['content-type'] = 'application/json';
          if (accept !== null && accept !== '') headers.accept = accept;
          if (requestId !== null) headers['x-request-id'] = latin1(requestId).replace(/[\r\n]/g, '');
          if (lastEventId !== null) headers['last-event-id'] = latin1(lastEventId).replace(/[\r\n]/g, '');
          let bytes = body === undefined ? undefined : Buffer.from(body, 'utf8');
          if (bytes && encoding !== null) {
            headers['content-encoding'] = encoding;
            if (!garbleEncoding)
              bytes =
                encoding === 'gzip'
                  ? gzipSync(bytes)
                  : encoding === 'deflate'
                    ? deflateSync(bytes)
                    : encoding === 'br'
                      ? brotliCompressSync(bytes)
                      : bytes;
          }
          let cutShort = false;
          if (bytes) {
            if (framing === 'chunked') {
              headers['transfer-encoding'] = 'chunked';
              bytes = Buffer.concat([
                Buffer.from(`${bytes.length.toString(16)}\r\n`),
                bytes,
                Buffer.from('\r\n0\r\n\r\n'),
              ]);
            } else if (framing === 'zero') headers['content-length'] = '0';
            else if (framing === 'short') headers['content-length'] = String(Math.floor(bytes.length / 2));
            else if (framing === 'cut') {
              headers['content-length'] = String(bytes.length + 10);
              cutShort = true;
            } else headers['content-length'] = String(bytes.length);
          }
          return { method, target, headers, ...(bytes ? { body: bytes } : {}), cutShort };
        },
      ),
  );
}

/** Header values are latin1 on the wire; what cannot be said there is dropped, as a client would. */
function latin1(text: string): string {
  return text.replace(/[^\x20-\x7e\x80-\xff]/g, '');
}

/** Why an answer breaks the rules, or undefined when it keeps them. */
export function brokenRule(input: HttpInput, reply: RawReply): string | undefined {
  if (reply.status === 0) return input.cutShort ? undefined : 'no answer (the connection closed without a status line)';
  if (reply.status >= 500) return `a ${reply.status}`;
  if (reply.status < 400 || input.method === 'HEAD') return undefined;
  const head = reply.text.slice(0, reply.text.indexOf('\r\n\r\n'));
  if (!/^content-type: application\/problem\+json/im.test(head))
    return `a ${reply.status} that is not application/problem+json`;
  let problem: unknown;
  try {
    problem = JSON.parse(reply.body);
  } catch {
    return `a ${reply.status} whose body is not JSON`;
  }
  const p = problem as { status?: unknown; type?: unknown; title?: unknown };
  if (typeof p.status !== 'number' || p.status !== reply.status)
    return `a ${reply.status} whose problem status is ${JSON.stringify(p.status)}`;
  if (typeof p.type !== 'string' || typeof p.title !== 'string')
    return `a ${reply.status} whose problem has no type or title`;
  return undefined;
}

const describe = (input: HttpInput) =>
  `${input.method} ${input.target.slice(0, 200)} ${JSON.stringify(input.headers).slice(0, 400)} body=${input.body?.toString('utf8').slice(0, 200) ?? '-'}`;

/**
 * Fuzzes a service's HTTP routes: `fuzzSettings.httpInputs` inputs, each answered within
 * `deadlineMs`, never a 5xx, every error a problem document whose `status` is the HTTP status;
 * the service's health is asked every 25 inputs and a real request must succeed at the end.
 * Resolves with the number of inputs sent.
 */
export async function fuzzHttp(target: HttpTarget, deadlineMs = 5_000): Promise<number> {
  let sent = 0;
  await withSeed('HTTP fuzz', async (seed) => {
    await fc.assert(
      fc.asyncProperty(httpInput(target.routes, target.tokens), async (input) => {
        sent += 1;
        const reply = await rawRequest(target.port, input.target, {
          method: input.method,
          headers: input.headers,
          ...(input.body ? { body: input.body } : {}),
          timeoutMs: deadlineMs,
          endAfterWrite: input.cutShort,
        }).catch((error: Error) => ({ status: -1, text: error.message, body: '' }));
        if (reply.status === -1) throw new Error(`no answer within ${deadlineMs} ms to ${describe(input)}`);
        const broken = brokenRule(input, reply);
        if (broken) throw new Error(`${broken} for ${describe(input)}\n${reply.text.slice(0, 600)}`);
        if (sent % 25 === 0) {
          const health = await rawRequest(target.port, '/healthz', { timeoutMs: deadlineMs });
          if (health.status !== 200)
            throw new Error(`the service stopped serving after ${describe(input)}: /healthz answered ${health.status}`);
        }
      }),
      { seed, numRuns: fuzzSettings.httpInputs, endOnFailure: true, includeErrorInReport: true },
    );
  });
  await target.stillServes();
  return sent;
}

export { hostileStrings };
