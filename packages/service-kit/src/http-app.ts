import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { type Server, STATUS_CODES } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';

import express, { type ErrorRequestHandler, type NextFunction, type Request, type Response } from 'express';
import type { Registry } from 'prom-client';
import { Histogram } from 'prom-client';

import { type AuthSettings, bearerToken, type Principal, verifyToken } from './auth';
import { AppError, isAppError } from './errors';
import { type Logger, withLogContext } from './logger';

declare module 'express-serve-static-core' {
  interface Request {
    requestId: string;
    principal?: Principal;
    /** The JSON body's bytes as they arrived, for checking a webhook's signature. */
    rawBody?: Buffer;
  }
}

export type ReadinessCheck = () => Promise<void>;

export interface HttpAppOptions {
  logger: Logger;
  metrics: Registry;
  auth: AuthSettings;
  /** The service's own dependencies, each named; `/readyz` answers 503 until all pass. */
  readiness: Record<string, ReadinessCheck>;
  bodyLimit?: string;
  /** Mounts the service's routes. */
  routes: (app: express.Express) => void;
}

const PROBLEM = 'application/problem+json';

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
  return {
    // Extensions first: a detail never overrides a member RFC 9457 defines (`status` stays the HTTP status).
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

/** What body-parser and express raise for bad requests, as the one error type. */
function asAppError(error: unknown): AppError {
  if (isAppError(error)) return error;
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

export function sendProblem(res: Response, req: Request, error: AppError): void {
  res.status(error.status).type(PROBLEM).send(JSON.stringify(problemOf(error, req.originalUrl, req.requestId)));
}

/**
 * Requires a valid bearer token; the principal is on `req.principal` for the route. Event
 * streams may also take it as `?access_token=`, because a browser's EventSource cannot set headers.
 */
export function authenticated(settings: AuthSettings, options: { queryToken?: boolean } = {}) {
  return (req: Request, _res: Response, next: NextFunction) => {
    const header = req.header('authorization');
    const query = options.queryToken && !header ? req.query.access_token : undefined;
    req.principal = verifyToken(typeof query === 'string' ? query : bearerToken(header), settings);
    next();
  };
}

/** The principal of an authenticated request. */
export function principalOf(req: Request): Principal {
  if (!req.principal) throw new AppError('UNAUTHENTICATED', 'not authenticated');
  return req.principal;
}

/**
 * The express app every service serves: request ids and log context, JSON bodies with a size
 * limit, `/healthz`, `/readyz`, `/metrics`, the service's routes, and one error handler that
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
      duration.observe({ method: req.method, route, status: String(res.statusCode) }, Number(process.hrtime.bigint() - started) / 1e9);
    });
    withLogContext({ requestId: req.requestId }, next);
  });
  app.use(
    express.json({
      limit: options.bodyLimit ?? '64kb',
      type: ['application/json', 'application/*+json'],
      verify: (req, _res, buffer) => {
        (req as Request).rawBody = buffer;
      },
    }),
  );

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
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
    if (failing.length === 0) {
      res.json({ status: 'ready', checks: Object.fromEntries(results) });
      return;
    }
    sendProblem(res, req, new AppError('UNAVAILABLE', `not ready: ${failing.map(([n]) => n).join(', ')}`, { checks: Object.fromEntries(results) }));
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.contentType).send(await metrics.metrics());
  });

  options.routes(app);

  app.use((req, res) => {
    sendProblem(res, req, new AppError('NOT_FOUND', `no route for ${req.method} ${req.path}`));
  });
  const onError: ErrorRequestHandler = (error: unknown, req, res, _next) => {
    const appError = asAppError(error);
    if (appError.status >= 500) logger.error({ err: error }, 'request failed');
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
    const problem = { ...problemOf(new AppError('INVALID_INPUT', `not a valid HTTP request (${error.code ?? 'parse error'})`), '', randomUUID()), status, title: STATUS_CODES[status]?.toLowerCase() ?? 'bad request' };
    const body = JSON.stringify(problem);
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Bad Request'}\r\ncontent-type: ${PROBLEM}\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  });
}

/** Starts listening; resolves with the server and the port it got (port 0 picks a free one). */
export async function listen(app: express.Express, host: string, port: number): Promise<{ server: Server; port: number }> {
  const server = app.listen(port, host);
  answerClientErrors(server);
  await once(server, 'listening');
  // Keep-alive longer than typical proxies' idle timeout, so they never reuse a closed socket.
  server.keepAliveTimeout = 65_000;
  return { server, port: (server.address() as AddressInfo).port };
}
