/** How often a failing message is tried again in place before it goes to the dead-letter topic. */
export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { attempts: 4, initialDelayMs: 100, maxDelayMs: 2_000 };

/**
 * Exponential backoff with full jitter, capped. Bounded on purpose: a message is retried
 * here only for seconds, so that a poison message cannot hold its partition; longer
 * retries belong to a queue.
 */
export function backoffDelay(policy: RetryPolicy, failedAttempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (failedAttempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Errors that say of themselves `retryable: false` skip the retries and go to the dead-letter topic. */
export function isRetryable(error: unknown): boolean {
  if (typeof error === 'object' && error !== null && 'retryable' in error) {
    return error.retryable !== false;
  }
  return true;
}
