import { createHmac } from 'node:crypto';

/** The suite's loopback-only secrets (the same development values as infra/local/partners.mjs). */
export const partnerSecrets = {
  AUDIT_WEBHOOK_SECRET: 'orderpulse-local-middle-office-webhook-secret',
  MIDDLE_OFFICE_SECRET: 'orderpulse-local-middle-office-call-secret-x',
  USER_SYSTEM_SECRET: 'orderpulse-local-user-system-call-secret-xxx',
};

/** The middle office's webhook signature: `v1=` HMAC-SHA256 of `<timestamp>.<body>`. */
export function webhookHeaders(body: string, now = Date.now()): Record<string, string> {
  const timestamp = Math.floor(now / 1000);
  const signature = `v1=${createHmac('sha256', partnerSecrets.AUDIT_WEBHOOK_SECRET).update(`${timestamp}.${body}`).digest('hex')}`;
  return {
    'content-type': 'application/json',
    'x-orderpulse-timestamp': String(timestamp),
    'x-orderpulse-signature': signature,
  };
}
