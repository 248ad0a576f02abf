import type { Session } from './session.js';

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

export interface CallOptions {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export function url(service: Service, path: string): string {
  return `/api/${service}${path}`;
}

/** Calls a service as the signed-in person; a non-2xx answer is thrown as an `ApiError`. */
export async function call<T>(session: Session, service: Service, path: string, options: CallOptions = {}): Promise<T> {
  const response = await fetch(url(service, path), {
    method: options.method ?? 'GET',
    headers: {
      authorization: `Bearer ${session.token}`,
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const text = await response.text();
  const json: unknown = text ? JSON.parse(text) : undefined;
  if (!response.ok) throw new ApiError(response.status, (json ?? {}) as ApiError['problem']);
  return json as T;
}
