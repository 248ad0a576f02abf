import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook calls both ways are signed the same way: `X-Orderpulse-Timestamp` (Unix seconds) and
 * `X-Orderpulse-Signature: v1=<hex HMAC-SHA256 of "<timestamp>.<raw body>">`. The timestamp is
 * inside the signature, so an old call cannot be replayed with a fresh one.
 */
export const signatureHeaders = { timestamp: 'x-orderpulse-timestamp', signature: 'x-orderpulse-signature' } as const;

export function sign(secret: string, timestamp: number, body: string | Buffer): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;
}

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

export function verifySignature(
  secret: string,
  headers: { timestamp?: string | undefined; signature?: string | undefined },
  body: Buffer,
  now: Date,
  toleranceSeconds: number,
): SignatureCheck {
  if (!headers.timestamp || !headers.signature) return { ok: false, reason: 'the call is not signed' };
  if (!/^\d{9,12}$/.test(headers.timestamp))
    return { ok: false, reason: 'the signature timestamp is not Unix seconds' };
  const timestamp = Number(headers.timestamp);
  const skew = Math.abs(now.getTime() / 1_000 - timestamp);
  if (skew > toleranceSeconds)
    return {
      ok: false,
      reason: `the signature timestamp is ${Math.round(skew)} s away from now (at most ${toleranceSeconds} s)`,
    };
  const expected = Buffer.from(sign(secret, timestamp, body));
  const given = Buffer.from(headers.signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: 'the signature does not match' };
  return { ok: true };
}
