/** How often a failing message is tried again in place before it goes to the dead-letter topic. */
export interface RetryPolicy {
  /** Tries in all, the first included, for a failure of unknown kind. */
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { attempts: 4, initialDelayMs: 100, maxDelayMs: 2_000 };

/**
 * How long a partition is held after a transient failure: capped exponential backoff,
 * tried again without limit until the dependency is back.
 */
export interface HoldPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
}

export const defaultHoldPolicy: HoldPolicy = { initialDelayMs: 250, maxDelayMs: 30_000 };

/**
 * Exponential backoff with full jitter, capped. Bounded on purpose: a message is retried
 * here only for seconds, so that a poison message cannot hold its partition; longer
 * retries belong to a queue.
 */
export function backoffDelay(
  policy: { initialDelayMs: number; maxDelayMs: number },
  failedAttempt: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.min(30, failedAttempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * Whether an error is a dependency's outage ({@link failureKind} `transient`): waited out — a
 * partition held, a job held without spending a try — never counted against the work.
 */
export function isTransient(error: unknown): boolean {
  return failureKind(error) === 'transient';
}

/** Errors that say of themselves `retryable: false` skip the retries and go to the dead-letter topic. */
export function isRetryable(error: unknown): boolean {
  return failureKind(error) !== 'permanent';
}

/**
 * What a failure says about trying again:
 * - `transient` — a dependency is unreachable or overloaded; the same work succeeds once it
 *   is back. Never dead-lettered: the consumer holds the partition and tries again.
 * - `permanent` — trying again can never help (the error says `retryable: false`).
 * - `unknown` — anything else: a few bounded retries, then the dead-letter topic.
 */
export type FailureKind = 'transient' | 'permanent' | 'unknown';

/**
 * An error a handler throws to say "a dependency is not there yet; try this again later,
 * however long it takes" — e.g. a partner system that is down. The consumer holds the
 * partition rather than dead-lettering the event. Any error with `retryable: 'transient'`
 * counts the same.
 */
export class TransientError extends Error {
  readonly retryable = 'transient' as const;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransientError';
  }
}

/**
 * MongoDB Node driver error classes that mean "the server could not be reached or answered
 * in time" (driver docs, "Error handling": `MongoNetworkError`, `MongoNetworkTimeoutError`,
 * `MongoServerSelectionError`, `MongoTopologyClosedError`, `MongoPoolClearedError`,
 * `MongoWaitQueueTimeoutError`).
 */
const MONGO_TRANSIENT_NAMES = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongoTopologyClosedError',
  'MongoPoolClearedError',
  'MongoWaitQueueTimeoutError',
  'MongoNotConnectedError',
]);

/**
 * Labels the driver attaches to errors it would retry itself (MongoDB manual, "Retryable
 * Writes" and "Transactions: TransientTransactionError").
 */
const MONGO_TRANSIENT_LABELS = new Set([
  'RetryableWriteError',
  'TransientTransactionError',
  'ResetPool',
  'PoolRequstedRetry',
  'NoWritesPerformed',
]);

/**
 * Server error codes the driver treats as retryable (driver source `error.ts`,
 * `RETRYABLE_WRITE_ERROR_CODES`): HostUnreachable 6, HostNotFound 7, NetworkTimeout 89,
 * ShutdownInProgress 91, PrimarySteppedDown 189, ExceededTimeLimit 262, SocketException 9001,
 * NotWritablePrimary 10107, InterruptedAtShutdown 11600, InterruptedDueToReplStateChange 11602,
 * NotPrimaryNoSecondaryOk 13435, NotPrimaryOrSecondary 13436.
 */
const MONGO_TRANSIENT_CODES = new Set([6, 7, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436]);

/** Node.js system error codes (`error.code`, Node docs "Common system errors") and undici's for fetch. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
]);

/**
 * Redis replies that say "not now" (Redis docs: LOADING, BUSY, READONLY, MASTERDOWN, TRYAGAIN,
 * CLUSTERDOWN; and OOM, a full Redis under `noeviction`, which frees as jobs finish and expire).
 */
const REDIS_TRANSIENT_REPLY = /^(LOADING|BUSY|READONLY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|OOM)\b/;

/**
 * AWS SDK v3 error names for throttling and server trouble (SDK "Error handling" guide and
 * `@smithy/service-error-classification`).
 */
const AWS_TRANSIENT_NAMES = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'ThrottlingException',
  'Throttling',
  'SlowDown',
  'ServiceUnavailable',
  'InternalError',
  'RequestThrottled',
  'TooManyRequestsException',
]);

function kindOf(error: object): FailureKind {
  const e = error as {
    name?: unknown;
    message?: unknown;
    code?: unknown;
    retryable?: unknown;
    retriable?: unknown;
    errorLabels?: unknown;
    errorLabelSet?: unknown;
    $retryable?: unknown;
    $metadata?: { httpStatusCode?: unknown };
  };
  if (e.retryable === 'transient') return 'transient';
  if (e.retryable === false) return 'permanent';
  const name = typeof e.name === 'string' ? e.name : '';
  const message = typeof e.message === 'string' ? e.message : '';
  // MongoDB driver
  if (MONGO_TRANSIENT_NAMES.has(name)) return 'transient';
  const labels =
    e.errorLabelSet instanceof Set
      ? [...(e.errorLabelSet as Set<unknown>)]
      : Array.isArray(e.errorLabels)
        ? e.errorLabels
        : [];
  if (labels.some((l) => typeof l === 'string' && MONGO_TRANSIENT_LABELS.has(l))) return 'transient';
  if (name.startsWith('Mongo') && typeof e.code === 'number' && MONGO_TRANSIENT_CODES.has(e.code)) return 'transient';
  // mongoose queues operations while disconnected and gives up after `bufferTimeoutMS`
  if (name === 'MongooseServerSelectionError' || (name === 'MongooseError' && /buffering timed out/.test(message)))
    return 'transient';
  // kafkajs marks what it would retry itself
  if (name.startsWith('KafkaJS') && e.retriable === true) return 'transient';
  // ioredis: the connection is down, or the server says "not now"
  if (name === 'MaxRetriesPerRequestError' || message === 'Connection is closed.') return 'transient';
  if (name === 'ReplyError' && REDIS_TRANSIENT_REPLY.test(message)) return 'transient';
  // AWS SDK v3 (S3): the SDK's own retry classification, throttling, or a 5xx
  if (e.$retryable !== undefined && e.$retryable !== null) return 'transient';
  if (AWS_TRANSIENT_NAMES.has(name)) return 'transient';
  const status = e.$metadata?.httpStatusCode;
  if (typeof status === 'number' && (status >= 500 || status === 429)) return 'transient';
  // the network itself
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return 'transient';
  return 'unknown';
}

/**
 * Classifies a failure as `transient`, `permanent` or `unknown` (see {@link FailureKind}).
 * The one place that decides whether a failed event is held, retried a little, or
 * dead-lettered; the HTTP error handler asks it too, to answer 503 for an unreachable
 * dependency. Duck-typed, so this package needs none of the clients:
 * - an explicit mark: `retryable: 'transient'` ({@link TransientError}) or `retryable: false`;
 * - MongoDB driver: network, timeout and server-selection errors, the retryable labels
 *   (`RetryableWriteError`, `TransientTransactionError`) and the driver's retryable server codes
 *   (https://www.mongodb.com/docs/drivers/node/current/ — "Error handling");
 * - mongoose's buffering timeout while disconnected;
 * - kafkajs errors with `retriable: true` (https://kafka.js.org/docs/retry-detailed);
 * - ioredis: the connection closed, `MaxRetriesPerRequestError`, LOADING/BUSY/READONLY… replies;
 * - AWS SDK v3: `$retryable`, throttling names, `$metadata.httpStatusCode` ≥ 500 or 429
 *   (https://docs.aws.amazon.com/sdk-for-javascript/v3/developer-guide/handling-exceptions.html);
 * - Node/undici network codes (`ECONNREFUSED`, `ECONNRESET`, `ETIMEDOUT`, …).
 * The error's `cause` chain is followed, so a wrapped driver error counts as what it wraps.
 */
export function failureKind(error: unknown): FailureKind {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth += 1) {
    const kind = kindOf(current);
    if (kind !== 'unknown') return kind;
    current = (current as { cause?: unknown }).cause;
  }
  return 'unknown';
}
