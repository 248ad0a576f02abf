import type { PushStatus } from '@orderpulse/contracts';

import type { RecipientKey } from './recipients';

/** Where a push stands (the contracts' `PushStatus`): waiting to be sent, at the gateway, or how it ended. */
export type { PushStatus };

export const finalStatuses: ReadonlySet<PushStatus> = new Set([
  'delivered',
  'token_invalid',
  'rejected',
  'failed',
  'muted',
  'unsupported',
  'expired',
]);

/** Where a push is still to be sent or tried again: the push reconciler's work. */
export const openStatuses: readonly PushStatus[] = ['pending', 'sending'];

/** A step of a push's life: opened for a device, tried at the gateway, answered, or abandoned by the reconciler. */
export type PushStep = 'opened' | 'tried' | 'answered' | 'abandoned';

/** One edge of a push's lifecycle: a step, the statuses it is taken from, and those it may lead to. */
export interface PushTransition {
  step: PushStep;
  /** Statuses it is taken from; `null` for a push being opened. */
  from: readonly (PushStatus | null)[];
  to: readonly PushStatus[];
}

/**
 * A push's lifecycle, declared as orders' and audit cases' are; its history is its tries
 * (`attempts`). Every status a push is written with comes from here, through {@link pushStep}; the
 * push log's writes compare and set the status and tries each step starts from.
 */
export const pushTransitions: readonly PushTransition[] = [
  // One per event, recipient and device: to be sent (`sending`: its first try recorded with it, for a
  // push queued at once), or ended at once with why not.
  { step: 'opened', from: [null], to: ['pending', 'sending', 'muted', 'unsupported'] },
  // A try is recorded before its request leaves: the first of a push opened `pending` (one opened
  // before its first try was recorded with it), one after a retryable answer, or one after a
  // sender that died at the gateway (`sending` past the push timeout) or was held before it.
  { step: 'tried', from: ['pending', 'sending'], to: ['sending'] },
  // The try's outcome: the gateway's answer (a retryable one back to `pending`, or `failed` at the
  // last try), or no request at all (its deadline passed, its app is gone).
  {
    step: 'answered',
    from: ['sending'],
    to: ['delivered', 'token_invalid', 'rejected', 'failed', 'pending', 'expired'],
  },
  // The push reconciler ends an unfinished push whose device is no longer registered.
  { step: 'abandoned', from: ['pending', 'sending'], to: ['rejected'] },
];

/**
 * The status a push takes at `step` from `from` (`null`: being opened), checked against
 * {@link pushTransitions}. Pure.
 *
 * @throws Error when the table does not allow it: a use case asking for a step its own checks
 *   should have ruled out, never the caller's input.
 */
export function pushStep(from: PushStatus | null, step: PushStep, to: PushStatus): PushStatus {
  if (pushTransitions.some((t) => t.step === step && t.from.includes(from) && t.to.includes(to))) return to;
  throw new Error(`a push that is ${from ?? 'new'} cannot be ${step} to ${to}`);
}

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
  status: PushStatus;
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
