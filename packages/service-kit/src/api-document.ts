import { posix } from 'node:path';

import type { NextFunction, Request, Response } from 'express';
import { z } from 'zod';

import type { Role } from './auth';
import { ErrorCodes } from './errors';

/** One answer a route can give: its description and the schema of its JSON body (none for a stream or an empty answer). */
export interface ApiAnswer {
  description: string;
  /** The body sent with `res.json`; checked against it when answers are checked ({@link checkAnswers}). */
  schema?: z.ZodType;
  /** A content type other than JSON (`text/event-stream`), described but not checked. */
  contentType?: string;
  /** For an event stream: the name, in {@link ApiInfo.schemas}, of the schema of each event's `data`. */
  frames?: string;
}

/**
 * One route as integrators see it, keyed in an {@link ApiRoutes} table by `METHOD /path` as
 * express writes it (`GET /v1/orders/:id`). The same zod schemas that parse the request
 * describe it here, so the document cannot say one thing while the route checks another.
 */
export interface ApiRoute {
  summary: string;
  description?: string;
  /** Groups routes on the docs page. */
  tag: string;
  /** Who may call it; `[]` for a route that takes no bearer token (a signed webhook, a grant). */
  roles: readonly Role[];
  /** Whether the token may come as `?access_token=` (event streams: a browser's EventSource sets no headers). */
  queryToken?: boolean;
  params?: z.ZodObject;
  query?: z.ZodObject;
  headers?: Record<string, { description: string; required?: boolean; schema?: Record<string, unknown> }>;
  body?: z.ZodType;
  /** A request body the document shows; the service refuses to start when `body` does not accept it. */
  example?: unknown;
  /** The answers by HTTP status; every problem the route can answer is listed by status in `problems`. */
  answers: Record<number, ApiAnswer>;
  /** The `application/problem+json` answers (RFC 9457) beyond 400, 401, 403, 429 and 503, which every route can give. */
  problems?: readonly number[];
  /** A route kept for callers that have not moved to its successor; the route sends {@link deprecation}'s headers. */
  deprecated?: Deprecation;
}

/** When a route was deprecated, when it goes, and what replaces it. */
export interface Deprecation {
  /** The day it was deprecated, `YYYY-MM-DD` (UTC). */
  since: string;
  /** The day after which it may be gone, `YYYY-MM-DD` (UTC). */
  sunset: string;
  /** The path that replaces it, as the service serves it (`/v1/pushes`). */
  successor: string;
}

/**
 * Middleware for a deprecated route: `Deprecation: @<unix seconds>` (RFC 9745), `Sunset: <HTTP-date>`
 * (RFC 8594) and `Link: <successor>; rel="successor-version"` (RFC 5829, RFC 8288) on every answer.
 * The link is relative to the request's path (`pushes` for `/v1/deliveries`), so it resolves to
 * the successor behind a gateway that serves the service under a prefix as well.
 */
export function deprecation(route: Deprecation) {
  const since = Date.parse(`${route.since}T00:00:00Z`) / 1_000;
  const sunset = new Date(`${route.sunset}T00:00:00Z`).toUTCString();
  return (req: Request, res: Response, next: NextFunction) => {
    const successor = posix.relative(posix.dirname(req.path), route.successor) || '.';
    res.set({ Deprecation: `@${since}`, Sunset: sunset, Link: `<${successor}>; rel="successor-version"` });
    next();
  };
}

/** Every route of a service by `METHOD /path`. */
export type ApiRoutes = Record<string, ApiRoute>;

/** The head of a service's document. */
export interface ApiInfo {
  title: string;
  version: string;
  description: string;
  /**
   * Shapes the service sends other than as an HTTP answer — frames on a WebSocket or an event
   * stream — by name, put under `components.schemas` so clients generate their types too.
   */
  schemas?: Record<string, z.ZodType>;
}

type JsonSchema = Record<string, unknown>;

/** The problem document every error answers with (RFC 9457 §3.1 members and ours). */
export const ProblemSchema = z
  .object({
    type: z.string().describe('a URN naming the problem type: `urn:orderpulse:problem:<code in kebab case>`'),
    title: z.string(),
    status: z.number().int().describe('the HTTP status code'),
    detail: z.string().describe('what went wrong, for a person'),
    instance: z.string().describe('the request path'),
    code: z.enum(Object.keys(ErrorCodes) as [keyof typeof ErrorCodes, ...(keyof typeof ErrorCodes)[]]),
    requestId: z.string().describe('the `x-request-id` of the request, to quote to whoever runs the service'),
    errors: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .describe('each invalid field (INVALID_INPUT)'),
  })
  .loose()
  .describe(
    'An RFC 9457 problem document; a problem may add members of its own (`check`, `orderStatus`, `retryAfterSeconds`).',
  );

/** The problem answers every authenticated route can give. */
const COMMON_PROBLEMS = [400, 401, 403, 429, 503];

const PROBLEM_TEXT: Record<number, string> = {
  400: 'The request is invalid: `errors` lists each field.',
  401: 'No valid bearer token.',
  403: 'The token’s role or tenant may not do this.',
  404: 'Not found, or not the caller’s to see: another tenant’s item is reported missing, so ids cannot be probed.',
  409: 'The item changed meanwhile, or the action is not allowed from its status or after its window.',
  413: 'The body is larger than this route takes.',
  415: 'The body’s type or encoding is not JSON.',
  422: 'Understood but refused: the check that failed is named.',
  429: 'Too many requests; `Retry-After` says when to try again.',
  503: 'A dependency is unavailable; `Retry-After` says when to try again. Nothing was changed.',
};

/** OpenAPI's path template (`/v1/orders/{id}`) of an express path (`/v1/orders/:id`). */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    target: 'draft-2020-12',
  }) as JsonSchema;
  return rest;
}

/** Named schemas as components, each referring to the others by `$ref` where it contains one (zod 4's registry output). */
function namedSchemas(schemas: Record<string, z.ZodType>): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(schemas)) registry.add(schema, { id });
  const { schemas: json } = z.toJSONSchema(registry, {
    io: 'output',
    unrepresentable: 'any',
    target: 'draft-2020-12',
    uri: (id) => `#/components/schemas/${id}`,
  }) as { schemas: Record<string, JsonSchema> };
  return Object.fromEntries(Object.entries(json).map(([id, { $schema: _dialect, $id: _id, ...rest }]) => [id, rest]));
}

function parametersOf(schema: z.ZodObject | undefined, where: 'path' | 'query'): JsonSchema[] {
  if (!schema) return [];
  const json = jsonSchemaOf(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || (json.required ?? []).includes(name),
    ...(typeof property.description === 'string' ? { description: property.description } : {}),
    schema: property,
  }));
}

function problemAnswers(route: ApiRoute): Record<string, JsonSchema> {
  const statuses = [
    ...new Set([
      ...(route.body ? [413, 415] : []),
      ...COMMON_PROBLEMS.filter((s) => route.roles.length > 0 || (s !== 401 && s !== 403)),
      ...(route.problems ?? []),
    ]),
  ].sort();
  return Object.fromEntries(
    statuses.map((status) => [String(status), { $ref: `#/components/responses/Problem${status}` }]),
  );
}

function operationOf(method: string, path: string, route: ApiRoute): JsonSchema {
  const answers = Object.fromEntries(
    Object.entries(route.answers).map(([status, answer]) => [
      status,
      {
        description: answer.description,
        ...(answer.schema || answer.contentType
          ? {
              content: {
                [answer.contentType ?? 'application/json']: answer.schema
                  ? { schema: jsonSchemaOf(answer.schema, 'output') }
                  : answer.frames
                    ? {
                        schema: {
                          description: `Each event's \`data\` is a ${answer.frames}.`,
                          $ref: `#/components/schemas/${answer.frames}`,
                        },
                      }
                    : {},
              },
            }
          : {}),
      },
    ]),
  );
  const headers = Object.entries(route.headers ?? {}).map(([name, header]) => ({
    name,
    in: 'header',
    required: header.required ?? false,
    description: header.description,
    schema: header.schema ?? { type: 'string' },
  }));
  const queryToken = route.queryToken
    ? [
        {
          name: 'access_token',
          in: 'query',
          required: false,
          description: 'The bearer token, for a client that cannot set headers (EventSource).',
          schema: { type: 'string' },
        },
      ]
    : [];
  return {
    operationId: `${method}${path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
    summary: route.summary,
    description: [
      route.description ?? route.summary,
      ...(route.deprecated
        ? [
            `Deprecated since ${route.deprecated.since}: use \`${route.deprecated.successor}\`. It may be gone after ${route.deprecated.sunset}.`,
          ]
        : []),
      route.roles.length > 0 ? `Roles: ${route.roles.map((r) => `\`${r}\``).join(', ')}.` : 'No bearer token.',
    ].join('\n\n'),
    tags: [route.tag],
    ...(route.deprecated ? { deprecated: true } : {}),
    ...(route.roles.length > 0 ? { security: [{ bearer: [] }] } : { security: [] }),
    parameters: [
      ...parametersOf(route.params, 'path'),
      ...parametersOf(route.query, 'query'),
      ...queryToken,
      ...headers,
    ],
    ...(route.body
      ? {
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: jsonSchemaOf(route.body, 'input'),
                ...(route.example !== undefined ? { example: route.example } : {}),
              },
            },
          },
        }
      : {}),
    responses: { ...answers, ...problemAnswers(route) },
  };
}

/**
 * The OpenAPI 3.1 document (https://spec.openapis.org/oas/v3.1.1) of a service's routes: paths
 * from the table, JSON Schema 2020-12 from zod 4's `z.toJSONSchema` (request bodies as accepted,
 * answers as sent), the bearer scheme and one `application/problem+json` answer per status.
 */
export function buildApiDocument(
  info: ApiInfo,
  routes: ApiRoutes,
  servers: { url: string; description: string }[] = [{ url: '/', description: 'this service' }],
): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const [key, route] of Object.entries(routes)) {
    const [method, path] = key.split(' ') as [string, string];
    const template = openApiPath(path);
    paths[template] = { ...paths[template], [method.toLowerCase()]: operationOf(method.toLowerCase(), path, route) };
  }
  const problemStatuses = [
    ...new Set(Object.values(routes).flatMap((route) => Object.keys(problemAnswers(route)).map(Number))),
  ].sort();
  const { schemas = {}, ...head } = info;
  return {
    openapi: '3.1.1',
    info: { ...head, ...documentInfo },
    servers,
    tags: [...new Set(Object.values(routes).map((r) => r.tag))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'A JWT signed ES256 or EdDSA by the issuer the service trusts (its JWKS). Claims: `iss` the issuer; `aud` `orderpulse-<service>` (one audience per service); `sub` who acts — a customer or clerk id, a rider’s delivery terminal id, a member id, a service name; `role` one of customer, merchant, rider, handler, member, storefront, service, admin; `tenant` whom the subject acts for — a merchant’s id, an organisation, a storefront; `exp`.',
        },
      },
      schemas: { Problem: jsonSchemaOf(ProblemSchema, 'output'), ...namedSchemas(schemas) },
      responses: Object.fromEntries(
        problemStatuses.map((status) => [
          `Problem${status}`,
          {
            description: PROBLEM_TEXT[status] ?? 'A problem.',
            ...(status === 429 || status === 503
              ? {
                  headers: {
                    'Retry-After': {
                      description: 'Seconds to wait before trying again (RFC 9110 §10.2.3).',
                      schema: { type: 'integer' },
                    },
                  },
                }
              : {}),
            content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
          },
        ]),
      ),
    },
  };
}

const documentInfo = {
  contact: { name: 'orderpulse maintainers' },
  license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
};

/** Thrown (and answered as a 500) when a route sends what its table entry does not declare: a test sees it at once. */
export class UndeclaredAnswerError extends Error {
  constructor(route: string, status: number, issues: string) {
    super(`${route} answered ${status} with a body its API table does not declare: ${issues}`);
    this.name = 'UndeclaredAnswerError';
  }
}

/**
 * A middleware that checks every JSON answer of a declared route — as it goes on the wire, after
 * `JSON.stringify` — against the schema declared for its status, and fails the request (500,
 * logged) when they differ: a value the schema refuses, or a member the schema does not name (zod
 * would drop it silently, leaving it out of the document). Mounted where answers are checked —
 * the tests — so a route cannot drift from its document without a test failing.
 */
export function checkAnswers(routes: ApiRoutes) {
  return (req: Request, res: Response, next: NextFunction) => {
    const send = res.json.bind(res);
    res.json = (body: unknown) => {
      const routePath = (req.route as { path?: unknown } | undefined)?.path;
      const key =
        typeof routePath === 'string' ? `${req.method === 'HEAD' ? 'GET' : req.method} ${routePath}` : undefined;
      const route = key ? routes[key] : undefined;
      if (!route || !key || res.statusCode >= 400) return send(body);
      const answer = route.answers[res.statusCode];
      if (!answer?.schema) throw new UndeclaredAnswerError(key, res.statusCode, 'no schema for this status');
      const wire: unknown = JSON.parse(JSON.stringify(body) ?? 'null');
      const parsed = answer.schema.safeParse(wire);
      if (!parsed.success)
        throw new UndeclaredAnswerError(
          key,
          res.statusCode,
          parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
        );
      const undeclared = undeclaredMembers(wire, parsed.data);
      if (undeclared.length > 0)
        throw new UndeclaredAnswerError(key, res.statusCode, `members not in the schema: ${undeclared.join(', ')}`);
      return send(body);
    };
    next();
  };
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The paths of members in `sent` that parsing left out of `kept`: the ones the schema does not name. */
function undeclaredMembers(sent: unknown, kept: unknown, at = ''): string[] {
  if (Array.isArray(sent) && Array.isArray(kept))
    return sent.flatMap((item, i) => undeclaredMembers(item, kept[i], `${at}${i}.`));
  if (!isRecord(sent) || !isRecord(kept)) return [];
  return Object.entries(sent).flatMap(([name, value]) =>
    name in kept ? undeclaredMembers(value, kept[name], `${at}${name}.`) : [`${at}${name}`],
  );
}

/**
 * One document of several services behind one gateway: each service's paths under
 * `/api/<service>` (as the gateway routes them), its tags and operation ids prefixed with its
 * name, and the shared components (the bearer scheme, the problem answers) once.
 *
 * @throws Error when two services give one component name different contents.
 */
export function mergeApiDocuments(
  info: ApiInfo,
  services: readonly { service: string; document: JsonSchema }[],
): JsonSchema {
  const paths: Record<string, unknown> = {};
  const tags: { name: string; description: string }[] = [];
  const components: Record<string, Record<string, unknown>> = {};
  for (const { service, document } of services) {
    const doc = document as {
      info: { title: string };
      tags?: { name: string }[];
      paths: Record<string, Record<string, JsonSchema>>;
      components: Record<string, Record<string, unknown>>;
    };
    for (const tag of doc.tags ?? []) tags.push({ name: `${service} · ${tag.name}`, description: doc.info.title });
    for (const [path, operations] of Object.entries(doc.paths)) {
      paths[`/api/${service}${path}`] = Object.fromEntries(
        Object.entries(operations).map(([method, op]) => [
          method,
          {
            ...op,
            operationId: `${service}.${String(op.operationId)}`,
            tags: (op.tags as string[]).map((t) => `${service} · ${t}`),
          },
        ]),
      );
    }
    for (const [kind, entries] of Object.entries(doc.components)) {
      for (const [name, entry] of Object.entries(entries)) {
        const known = components[kind]?.[name];
        if (known !== undefined && JSON.stringify(known) !== JSON.stringify(entry))
          throw new Error(`components.${kind}.${name} differs between services; name one of them apart`);
        (components[kind] ??= {})[name] = entry;
      }
    }
  }
  const { schemas: _none, ...head } = info;
  return {
    openapi: '3.1.1',
    info: { ...head, ...documentInfo },
    servers: [{ url: '/', description: 'the gateway' }],
    tags,
    paths,
    components,
  };
}
