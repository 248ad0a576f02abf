/**
 * When a bearer token expires: its JWT `exp` claim (RFC 7519 §4.1.4, seconds since the epoch) as
 * a Date, or undefined when it has none. Reads the claim only: call it on a token that
 * `verifyToken` has already accepted, to know how long a connection it opened may stay open.
 */
export function expiresAtOf(token: string): Date | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const { exp } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof exp === 'number' && Number.isFinite(exp) ? new Date(exp * 1_000) : undefined;
  } catch {
    return undefined;
  }
}
