import type { RecipientKey } from './recipients';

/** Where a push stands: waiting to be sent, or how it ended. */
export type DeliveryStatus =
  | 'pending'
  /** A try is at the gateway (or was, when its sender died before the answer). */
  | 'sending'
  /** The gateway took it. */
  | 'delivered'
  /** The gateway said the device token is invalid; the device was removed. */
  | 'token_invalid'
  /** The gateway refused it (4xx); not retried. */
  | 'rejected'
  /** Every try failed (5xx, timeout). */
  | 'failed'
  /** The recipient muted the category; nothing was sent. */
  | 'muted'
  /** No provider reaches the device's platform; it gets the realtime channel only. */
  | 'unsupported'
  /** Its deadline (the countdown it announces) passed before it could be sent; nothing was sent. */
  | 'expired';

export const finalStatuses: ReadonlySet<DeliveryStatus> = new Set([
  'delivered',
  'token_invalid',
  'rejected',
  'failed',
  'muted',
  'unsupported',
  'expired',
]);

/** Where a push is still to be sent or tried again: the push reconciler's work. */
export const openStatuses: readonly DeliveryStatus[] = ['pending', 'sending'];

/**
 * One try at the gateway, recorded as `sending` before the request leaves and given its outcome
 * after the answer, so every gateway call is in the log. A try whose outcome was never recorded
 * (its sender died, or the database was away when the answer came) becomes `unknown` when the
 * push is tried again: the gateway may or may not have taken it.
 */
export interface Attempt {
  /** 1 for the first try, counting every try the log knows of. */
  attempt: number;
  at: Date;
  outcome: 'sending' | 'unknown' | 'delivered' | 'token_invalid' | 'rejected' | 'retry' | 'expired';
  httpStatus?: number;
  error?: string;
  ms: number;
}

/** One push: one event, one recipient, one device. Its key is the idempotency key. */
export interface Delivery {
  key: string;
  eventId: string;
  eventType: string;
  orderId: string;
  recipient: RecipientKey;
  installationId: string;
  appCode: string;
  platform: string;
  category: string;
  title: string;
  body: string;
  status: DeliveryStatus;
  attempts: Attempt[];
  /** Why a push ended without a try at the gateway (its device was removed before it could be sent again). */
  note?: string;
  /** The push's data as sent to the gateway, so a push Redis lost can be queued again as it was. */
  data?: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
}

/** The try to record before the next request, and the earlier tries with an unrecorded outcome marked `unknown`. */
export function nextAttempts(attempts: readonly Attempt[], at: Date): Attempt[] {
  const earlier = attempts.map((a) => (a.outcome === 'sending' ? { ...a, outcome: 'unknown' as const } : a));
  return [...earlier, { attempt: attempts.length + 1, at, outcome: 'sending', ms: 0 }];
}

/**
 * Statuses whose countdown is still running: an order awaiting the merchant's answer (`new`,
 * `connected`; seed 002's response window) or a share awaiting its claim (`pending`; seed 004's
 * claim window). A push about one of them is worth nothing once the deadline has passed, so it
 * expires with it; a push about what already happened (an answer, a ruling) carries the deadline
 * only for display and never expires.
 */
export function expiresWithDeadline(status: unknown): boolean {
  return status === 'new' || status === 'connected' || status === 'pending';
}
