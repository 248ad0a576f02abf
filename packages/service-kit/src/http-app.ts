import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { type Server, STATUS_CODES } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';

import { failureKind } from '@orderpulse/kafka';
import express, { type ErrorRequestHandler, type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import type { Registry } from 'prom-client';
import { Histogram } from 'prom-client';
import { z } from 'zod';

import { type ApiInfo, type ApiRoutes, buildApiDocument, checkAnswers } from './api-document';
import { type AuthSettings, bearerToken, type Principal, verifyToken } from './auth';
import { bodyLimitOf } from './body-limit';
import { AppError, isAppError } from './errors';
import { type Logger, withLogContext } from './logger';
import type { RateLimit } from './rate-limit';

declare module 'express-serve-static-core' {
  interface Request {
    requestId: string;
    principal?: Principal;
    /** The JSON body's bytes as they arrived, for checking a webhook's signature. */
    rawBody?: Buffer;
  }
}

export type ReadinessCheck = () => Promise<void>;

/** What liveness says: `ok: false` makes `/healthz` answer 503, so the orchestrator restarts the pod. */
export interface LivenessReport {
  ok: boolean;
  details?: Record<string, unknown>;
}

export interface HttpAppOptions {
  logger: Logger;
  metrics: Registry;
  auth: AuthSettings;
  /**
   * The dependencies HTTP requests need, each named; `/readyz` answers 503 until all pass.
   * Only what the routes need: work that goes through the outbox or a consumer (Kafka) is not here.
   */
  readiness: Record<string, ReadinessCheck>;
  /** Shown beside the checks in `/readyz` without deciding it (e.g. each consumer's state). */
  readinessDetails?: () => Record<string, unknown>;
  /** Decides `/healthz`: fails when a part of the process is dead and cannot come back by itself. */
  liveness?: () => LivenessReport;
  /** The body limit of routes that declare none in `bodyLimits`. */
  bodyLimit?: string;
  /**
   * Each body-taking route's limit, by `METHOD /path` as the route is written (`PUT /v1/stores/:id`):
   * the schema that validates its body (the limit is worked out from it, {@link bodyLimitOf}) or bytes.
   */
  bodyLimits?: BodyLimits;
  /** The per-client-address limit every request passes first (the per-principal one is in `auth`). */
  addressLimit?: RateLimit;
  /** Mounts the service's routes. */
  routes: (app: express.Express) => void;
  /**
   * The service's routes as integrators see them ({@link ApiRoutes}): served as OpenAPI 3.1 at
   * `/openapi.json`; every mounted route must have its entry and every entry its route.
   */
  api?: { info: ApiInfo; routes: ApiRoutes };
  /** Checks every JSON answer against its declared schema (a mismatch is a 500). Default: on under jest (`NODE_ENV=test`). */
  checkAnswers?: boolean;
}

const PROBLEM = 'application/problem+json';

/** Routes' body limits: the schema of each route's body, or its limit in bytes. */
export type BodyLimits = Readonly<Record<string, z.ZodType | number>>;

const routeMethods = ['post', 'put', 'patch', 'delete'] as const;

/** Parses a route's JSON body with the route's own limit, before the app-wide parser (which then sees it parsed and passes). */
function mountBodyLimits(
  app: express.Express,
  limits: BodyLimits,
  parser: (limit: number) => express.RequestHandler,
): void {
  for (const [route, limit] of Object.entries(limits)) {
    const [method, path, ...rest] = route.split(' ');
    const verb = method?.toLowerCase() as (typeof routeMethods)[number];
    if (!routeMethods.includes(verb) || !path?.startsWith('/') || rest.length > 0)
      throw new Error(`body limit for "${route}": write it as "PUT /v1/path/:param"`);
    app[verb](path, parser(typeof limit === 'number' ? limit : bodyLimitOf(limit)));
  }
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: string;
  requestId: string;
  [extension: string]: unknown;
}

/** The problem document (RFC 9457) of an error, for HTTP answers and refused upgrades alike. */
export function problemOf(error: AppError, instance: string, requestId: string): Problem {
  // Details first, so that nothing in them, whatever its type said, can stand in for the members RFC 9457 fixes.
  return {
    ...error.details,
    type: `urn:orderpulse:problem:${error.code.toLowerCase().replaceAll('_', '-')}`,
    title: error.code.toLowerCase().replaceAll('_', ' '),
    status: error.status,
    detail: error.message,
    instance,
    code: error.code,
    requestId,
  };
}

/** The routes every service has, as {@link ApiRoutes}: liveness, readiness, metrics and the document itself. */
export const operationalRoutes: ApiRoutes = {
  'GET /healthz': {
    tag: 'operations',
    summary: 'Liveness: fails (503) when a part of the process is dead and cannot come back by itself.',
    roles: [],
    answers: {
      200: {
        description: 'Live.',
        schema: z.object({ status: z.literal('ok'), details: z.record(z.string(), z.unknown()).optional() }),
      },
    },
  },
  'GET /readyz': {
    tag: 'operations',
    summary:
      'Readiness: what the HTTP API needs (MongoDB, Redis…) answers; Kafka is not among them, as the outbox takes writes while the broker is away.',
    roles: [],
    answers: {
      200: {
        description: 'Ready.',
        schema: z.object({
          status: z.literal('ready'),
          checks: z.record(z.string(), z.string()),
          details: z.record(z.string(), z.unknown()).optional(),
        }),
      },
    },
  },
  'GET /metrics': {
    tag: 'operations',
    summary: 'Prometheus metrics in the text exposition format.',
    roles: [],
    answers: { 200: { description: 'The metrics.', contentType: 'text/plain' } },
  },
  'GET /openapi.json': {
    tag: 'operations',
    summary: 'This document.',
    roles: [],
    answers: { 200: { description: 'The OpenAPI 3.1 document.', contentType: 'application/json' } },
  },
};

/**
 * Fails at start when a mounted route has no API entry, an entry names no route, or an entry's
 * example is not a body its route accepts (the document would show a request that is refused).
 */
function requireApiRoutes(app: express.Express, routes: ApiRoutes): void {
  const stack = (
    app as unknown as { router: { stack: { route?: { path: unknown; methods: Record<string, boolean> } }[] } }
  ).router.stack;
  const mounted = new Set(
    stack.flatMap((layer) =>
      layer.route && typeof layer.route.path === 'string'
        ? Object.keys(layer.route.methods).map((m) => `${m.toUpperCase()} ${String(layer.route?.path)}`)
        : [],
    ),
  );
  const missing = [...mounted].filter((r) => !(r in routes) && !(r in operationalRoutes));
  const stale = Object.keys(routes).filter((r) => !mounted.has(r));
  const refused = Object.entries(routes).flatMap(([r, entry]) => {
    if (entry.example === undefined) return [];
    const parsed = entry.body?.safeParse(entry.example);
    return parsed?.success
      ? []
      : [
          `${r} has an example its body schema refuses${parsed ? `: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}` : ' (it takes no body)'}`,
        ];
  });
  if (missing.length > 0 || stale.length > 0 || refused.length > 0) {
    throw new Error(
      `API routes: ${missing
        .map((r) => `${r} has no API entry`)
        .concat(
          stale.map((r) => `${r} is declared but no such route exists`),
          refused,
        )
        .join('; ')}`,
    );
  }
}

/**
 * Fails at start when a route that takes a body (POST, PUT, PATCH, DELETE) has no declared limit,
 * or a declared limit names no route: a route's body limit cannot be forgotten or outlive it.
 */
function requireBodyLimits(app: express.Express, limits: BodyLimits): void {
  const stack = (
    app as unknown as { router: { stack: { route?: { path: unknown; methods: Record<string, boolean> } }[] } }
  ).router.stack;
  const routes = stack.flatMap((layer) =>
    layer.route && typeof layer.route.path === 'string'
      ? Object.keys(layer.route.methods).map((m) => `${m.toUpperCase()} ${String(layer.route?.path)}`)
      : [],
  );
  const declared = new Set(Object.keys(limits));
  const missing = routes.filter(
    (r) => routeMethods.includes(r.split(' ')[0]!.toLowerCase() as (typeof routeMethods)[number]) && !declared.has(r),
  );
  // The limits' own parsers are routes too; a declared limit with only its parser names no route of the service.
  const counts = new Map<string, number>();
  for (const r of routes) counts.set(r, (counts.get(r) ?? 0) + 1);
  const stale = [...declared].filter((r) => (counts.get(r) ?? 0) < 2);
  if (missing.length > 0 || stale.length > 0) {
    throw new Error(
      `body limits: ${[...new Set(missing)]
        .map((r) => `${r} takes a body but declares no limit`)
        .concat(stale.map((r) => `${r} is declared but no such route exists`))
        .join('; ')}`,
    );
  }
}

/** Seconds a client is told to wait (`Retry-After`) when a dependency is unavailable (503). */
export const RETRY_AFTER_SECONDS = 2;

/** The media types a body may have: JSON (RFC 8259) and its structured-syntax suffix (RFC 6839). */
const JSON_TYPES = ['application/json', 'application/*+json'];

/**
 * What body-parser and express raise for bad requests, and what an unreachable dependency
 * raises (MongoDB, Redis, S3: `failureKind` says transient), as the one error type.
 */
function asAppError(error: unknown): AppError {
  if (isAppError(error)) return error;
  if (failureKind(error) === 'transient')
    return new AppError('UNAVAILABLE', 'a dependency of this service is unavailable; try again shortly');
  const e = error as { type?: string; status?: number; message?: string };
  if (e.type === 'entity.parse.failed') return new AppError('INVALID_INPUT', 'request body is not valid JSON');
  if (e.type === 'entity.too.large') return new AppError('PAYLOAD_TOO_LARGE', 'request body is too large');
  if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') {
    return new AppError('UNSUPPORTED_MEDIA_TYPE', e.message ?? 'unsupported encoding');
  }
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
    return new AppError('INVALID_INPUT', e.message ?? 'bad request');
  }
  return new AppError('INTERNAL', 'internal error');
}

/** Answers an error as `application/problem+json`; a 503 says when to try again (`Retry-After`, RFC 9110 §10.2.3). */
export function sendProblem(res: Response, req: Request, error: AppError): void {
  if (typeof error.details.retryAfterSeconds === 'number')
    res.setHeader('retry-after', String(error.details.retryAfterSeconds));
  if (error.status === 503 && !res.hasHeader('retry-after')) res.setHeader('retry-after', String(RETRY_AFTER_SECONDS));
  res
    .status(error.status)
    .type(PROBLEM)
    .send(JSON.stringify(problemOf(error, req.originalUrl, req.requestId)));
}

/**
 * Requires a valid bearer token; the principal is on `req.principal` for the route. Event
 * streams may also take it as `?access_token=`, because a browser's EventSource cannot set headers.
 */
export function authenticated(settings: AuthSettings, options: { queryToken?: boolean } = {}) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    const header = req.header('authorization');
    const query = options.queryToken && !header ? req.query.access_token : undefined;
    req.principal = await verifyToken(typeof query === 'string' ? query : bearerToken(header), settings);
    await settings.admit?.(req.principal);
    next();
  };
}

/** The principal of an authenticated request. */
export function principalOf(req: Request): Principal {
  if (!req.principal) throw new AppError('UNAUTHENTICATED', 'not authenticated');
  return req.principal;
}

/**
 * The express app every service serves: security headers (helmet: HSTS, `nosniff`, no framing, no
 * referrer, and a CSP of `default-src 'none'`, as an API sends only data), request ids and log context, the per-address rate limit, JSON bodies with a size limit, `/healthz`, `/readyz`, `/metrics`, the service's routes, and one error handler that
 * answers `application/problem+json`. Bad input is a 4xx; only our own faults are a 5xx.
 */
export function createHttpApp(options: HttpAppOptions): express.Express {
  const { logger, metrics, readiness } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');

  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [metrics],
  });

  app.use((req, res, next) => {
    const incoming = req.header('x-request-id');
    req.requestId = incoming && /^[\w.-]{1,128}$/.test(incoming) ? incoming : randomUUID();
    res.setHeader('x-request-id', req.requestId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      duration.observe(
        { method: req.method, route, status: String(res.statusCode) },
        Number(process.hrtime.bigint() - started) / 1e9,
      );
    });
    withLogContext({ requestId: req.requestId }, next);
  });
  // An API answers JSON only: nothing it sends may run script, be framed or be sniffed as another type.
  app.use(
    helmet({
      contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    }),
  );
  const addressLimit = options.addressLimit;
  if (addressLimit) {
    app.use(async (req, _res, next) => {
      await addressLimit(req.ip ?? req.socket.remoteAddress ?? 'unknown');
      next();
    });
  }
  const jsonParser = (limit: number | string) =>
    express.json({
      limit,
      type: JSON_TYPES,
      verify: (req, _res, buffer) => {
        (req as Request).rawBody = buffer;
      },
    });
  // A body that is not JSON is refused as such (415), not parsed as absent and refused as invalid.
  app.use((req, _res, next) => {
    const length = Number(req.headers['content-length'] ?? 0);
    const hasBody = req.headers['transfer-encoding'] !== undefined || length > 0;
    if (hasBody && !req.is(JSON_TYPES)) {
      next(
        new AppError(
          'UNSUPPORTED_MEDIA_TYPE',
          `the body must be JSON (application/json), not ${req.headers['content-type'] ? JSON.stringify(req.headers['content-type']) : 'untyped'}`,
        ),
      );
      return;
    }
    next();
  });
  mountBodyLimits(app, options.bodyLimits ?? {}, jsonParser);
  app.use(jsonParser(options.bodyLimit ?? '64kb'));

  app.get('/healthz', (req, res) => {
    const live = options.liveness?.() ?? { ok: true };
    if (live.ok) {
      res.json({ status: 'ok', ...(live.details ? { details: live.details } : {}) });
      return;
    }
    sendProblem(
      res,
      req,
      new AppError('UNAVAILABLE', 'not live: a part of this service is dead', { details: live.details ?? {} }),
    );
  });
  app.get('/readyz', async (req, res) => {
    const results = await Promise.all(
      Object.entries(readiness).map(async ([name, check]) => {
        try {
          await withTimeout(check(), 2_000);
          return [name, 'ok'] as const;
        } catch (error) {
          return [name, error instanceof Error ? error.message : String(error)] as const;
        }
      }),
    );
    const failing = results.filter(([, state]) => state !== 'ok');
    const details = options.readinessDetails?.();
    const extra = details ? { details } : {};
    if (failing.length === 0) {
      res.json({ status: 'ready', checks: Object.fromEntries(results), ...extra });
      return;
    }
    sendProblem(
      res,
      req,
      new AppError('UNAVAILABLE', `not ready: ${failing.map(([n]) => n).join(', ')}`, {
        checks: Object.fromEntries(results),
        ...extra,
      }),
    );
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.contentType).send(await metrics.metrics());
  });

  const api = options.api;
  if (api) {
    const document = JSON.stringify(buildApiDocument(api.info, { ...operationalRoutes, ...api.routes }));
    app.get('/openapi.json', (_req, res) => void res.type('application/json').send(document));
    if (options.checkAnswers ?? process.env.NODE_ENV === 'test') app.use(checkAnswers(api.routes));
  }
  options.routes(app);
  if (options.bodyLimits) requireBodyLimits(app, options.bodyLimits);
  if (api) requireApiRoutes(app, api.routes);

  app.use((req, res) => {
    sendProblem(res, req, new AppError('NOT_FOUND', `no route for ${req.method} ${req.path}`));
  });
  const onError: ErrorRequestHandler = (error: unknown, req, res, _next) => {
    const appError = asAppError(error);
    if (appError.status === 503) logger.warn({ err: error }, 'request refused: a dependency is unavailable');
    else if (appError.status >= 500) logger.error({ err: error }, 'request failed');
    if (res.headersSent) {
      res.end();
      return;
    }
    sendProblem(res, req, appError);
  };
  app.use(onError);
  return app;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * What node's HTTP parser refuses before express sees it (a malformed request line or header,
 * a body that contradicts its framing, headers too large) is answered with a problem document
 * too: node's own answer is a bare `400 Bad Request` with no body.
 */
export function answerClientErrors(server: Server): void {
  server.on('clientError', (error: Error & { code?: string }, socket: Duplex) => {
    if (!socket.writable || error.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const problem = {
      ...problemOf(
        new AppError('INVALID_INPUT', `not a valid HTTP request (${error.code ?? 'parse error'})`),
        '',
        randomUUID(),
      ),
      status,
      title: STATUS_CODES[status]?.toLowerCase() ?? 'bad request',
    };
    const body = JSON.stringify(problem);
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Bad Request'}\r\ncontent-type: ${PROBLEM}\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
}

/** Starts listening; resolves with the server and the port it got (port 0 picks a free one). */
export async function listen(
  app: express.Express,
  host: string,
  port: number,
): Promise<{ server: Server; port: number }> {
  const server = app.listen(port, host);
  answerClientErrors(server);
  await once(server, 'listening');
  // Keep-alive longer than typical proxies' idle timeout, so they never reuse a closed socket.
  server.keepAliveTimeout = 65_000;
  return { server, port: (server.address() as AddressInfo).port };
}
