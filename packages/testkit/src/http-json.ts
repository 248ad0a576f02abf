/** An HTTP answer as tests look at it: status, content type and the parsed JSON body (undefined when empty). */
export interface JsonReply<T = unknown> {
  status: number;
  type: string;
  body: T;
  headers: Headers;
}

/**
 * Calls a service over HTTP as a terminal would: bearer token, JSON body (a string is sent as it
 * is, so a test can send malformed JSON), and the answer parsed whatever its status.
 */
export async function httpJson<T = unknown>(
  base: string,
  method: string,
  path: string,
  token: string | undefined,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<JsonReply<T>> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    type: response.headers.get('content-type') ?? '',
    headers: response.headers,
    body: (text ? JSON.parse(text) : undefined) as T,
  };
}
