import type { paths } from './api-schema.js';
import type { Session } from './session.js';
import createClient, { type Client } from './vendor/openapi-fetch.js';

/** The services behind the gateway: each is reached at `/api/<service>/…` on the page's own origin. */
export type Service = 'order' | 'notification' | 'audit' | 'media' | 'sharing';

/** A refused request, with the problem+json the service answered. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: { title?: string; detail?: string; [key: string]: unknown },
  ) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
  }
}

export function url(service: Service, path: string): string {
  return `/api/${service}${path}`;
}

/** The JSON body a route answers with on 200 (or 201), by the generated document. */
export type Answer<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends { responses: infer R }
  ? R extends { 200: { content: { 'application/json': infer B } } }
    ? B
    : R extends { 201: { content: { 'application/json': infer B } } }
      ? B
      : never
  : never;

/**
 * The typed client (openapi-fetch over the generated `paths` of docs/openapi.json): every path,
 * parameter, body and answer is checked at build time against the services' document, and the
 * signed-in person's token goes with every call. A changed shape fails the terminals' build.
 */
export function api(session: Session): Client<paths> {
  const client = createClient<paths>({ baseUrl: '' });
  client.use({
    onRequest: ({ request }) => {
      request.headers.set('authorization', `Bearer ${session.token}`);
      return request;
    },
  });
  return client;
}

/** The data of a typed call; a non-2xx answer is thrown as an `ApiError` with its problem document. */
export async function ok<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) throw new ApiError(response.status, (error ?? {}) as ApiError['problem']);
  return data as T;
}
