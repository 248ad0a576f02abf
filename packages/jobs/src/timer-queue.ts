import { type KeepJobs, Queue } from 'bullmq';
import { BullMQOtel } from 'bullmq-otel';
import type { Redis } from 'ioredis';

export interface JobsSettings {
  /** A connection made for BullMQ (`maxRetriesPerRequest: null`). */
  connection: Redis;
  /** Prefix of every key, so services and test runs share one Redis without meeting. */
  prefix: string;
}

export interface RetrySettings {
  /** Tries in all, the first included. */
  attempts: number;
  /** First backoff; it doubles with each further try. */
  backoffMs: number;
  /**
   * The longest backoff, in ms: a timer whose dependency was away for minutes runs within this
   * of its return, not after a doubling grown to minutes. Unset: no cap (BullMQ's `exponential`).
   */
  maxBackoffMs?: number;
}

/**
 * The backoff type of a capped timer, `capped-exponential.<max ms>`: carried by the job itself, so
 * whichever worker takes it backs off the same way ({@link cappedBackoff}).
 */
const CAPPED = /^capped-exponential\.(\d+)$/;

/**
 * BullMQ's custom backoff strategy (Worker `settings.backoffStrategy`) for capped timers: the
 * delay doubles from the job's `backoff.delay` with each try, up to the cap its type names.
 * Returns ms; -1 (fail now) for a type it does not know, as BullMQ's strategies do.
 */
export function cappedBackoff(
  attemptsMade: number,
  type: string | undefined,
  _error?: Error,
  job?: { opts: { backoff?: number | { delay?: number } } },
): number {
  const cap = CAPPED.exec(type ?? '');
  if (!cap) return -1;
  const backoff = job?.opts.backoff;
  const first = typeof backoff === 'number' ? backoff : (backoff?.delay ?? 1_000);
  return Math.min(Number(cap[1]), Math.round(first * 2 ** Math.max(0, attemptsMade - 1)));
}

/**
 * What Redis keeps of finished jobs (BullMQ `KeepJobs`: at most `count`, none older than `age`
 * seconds). Bounded, because Redis runs `noeviction`: a push job per event, recipient and
 * device would otherwise pile up. Idempotency does not rest on these: every job's handler
 * checks the durable record in MongoDB (a deadline ruled, a delivery sent) before acting.
 */
export interface Retention {
  completed: KeepJobs;
  failed: KeepJobs;
}

export const defaultRetention: Retention = {
  completed: { age: 3_600, count: 1_000 },
  failed: { age: 7 * 86_400, count: 5_000 },
};

const ID = /^[A-Za-z0-9_.-]{1,200}$/;

/**
 * BullMQ's OpenTelemetry hook: a job carries the trace context it was scheduled in (in its
 * options' telemetry metadata) and its processor runs as a child of it, so a timer or a push
 * belongs to the trace of the event that scheduled it. A no-op while no SDK is registered.
 */
export const jobTelemetry = new BullMQOtel('@orderpulse/jobs');

/**
 * Work scheduled for an absolute time. The job id is the caller's, derived from what the
 * timer is for (`response-deadline.<orderId>.<version>`), so scheduling the same timer again —
 * from a retry, a redelivered event or the reconciler — changes nothing.
 */
export class TimerQueue<T extends object> {
  private readonly queue: Queue<T>;
  /**
   * Its own connection, failing fast (one retry per command) where the service's waits for Redis
   * without end (`maxRetriesPerRequest: null`, which BullMQ's workers need): scheduling a timer
   * while Redis is away fails within seconds with a transient error (HTTP 503, a held partition),
   * never hangs the request that asked for it.
   */
  private readonly connection: Redis;

  constructor(
    readonly name: string,
    settings: JobsSettings,
    private readonly retry: RetrySettings = { attempts: 5, backoffMs: 1_000 },
    private readonly retention: Retention = defaultRetention,
  ) {
    this.connection = settings.connection.duplicate({ maxRetriesPerRequest: 1 });
    this.queue = new Queue<T>(name, { connection: this.connection, prefix: settings.prefix, telemetry: jobTelemetry });
  }

  /**
   * Schedules `data` to be worked on at `at` (at once when `at` has passed). Idempotent by `id`
   * while the job waits, runs or is kept as completed; a job that failed for good is replaced,
   * so scheduling it again (the reconciler) does the work again rather than nothing.
   */
  async scheduleAt(id: string, at: Date, data: T): Promise<void> {
    if (!ID.test(id)) throw new Error(`job id ${id} must be 1–200 of A–Z a–z 0–9 _ . -`);
    const existing = await this.queue.getJob(id);
    if (existing && (await existing.isFailed())) await existing.remove().catch(() => undefined);
    await this.queue.add(this.name as never, data as never, {
      jobId: id,
      delay: Math.max(0, at.getTime() - Date.now()),
      attempts: this.retry.attempts,
      backoff: {
        type: this.retry.maxBackoffMs === undefined ? 'exponential' : `capped-exponential.${this.retry.maxBackoffMs}`,
        delay: this.retry.backoffMs,
      },
      // A late duplicate schedule within the retention finds the job and does nothing; after it, the handler's durable check does.
      removeOnComplete: this.retention.completed,
      removeOnFail: this.retention.failed,
    });
  }

  /**
   * Whether a timer is in hand: waiting, delayed, running or recently completed. A job that
   * failed for good does not count, so a reconciler asking this schedules its work again.
   */
  async has(id: string): Promise<boolean> {
    const job = await this.queue.getJob(id);
    if (!job) return false;
    return !(await job.isFailed());
  }

  /** Removes a timer that has not run; one that is running or done is left as it is. */
  async cancel(id: string): Promise<boolean> {
    const job = await this.queue.getJob(id);
    if (!job) return false;
    const state = await job.getState();
    if (state !== 'delayed' && state !== 'waiting' && state !== 'prioritized') return false;
    await job.remove();
    return true;
  }

  /**
   * Runs again, at once and with its tries counted afresh (BullMQ `job.retry` with
   * `resetAttemptsMade` and `resetAttemptsStarted`), every timer that failed for good because its
   * tries ran out, at most `limit` a call, oldest first; returns how many. One that said it cannot
   * succeed (`retryable: false`, failed with tries left) stays failed, for an operator. What a
   * reconciler's due pass does while Redis keeps its data, as it is all such a Redis can have
   * missed: it costs what failed, not what is pending.
   */
  async retryFailed(limit = 500): Promise<number> {
    const failed = await this.queue.getJobs(['failed'], 0, limit - 1, true);
    const spent = failed.filter((job) => job !== undefined && job.attemptsMade >= (job.opts.attempts ?? 1));
    await Promise.all(spent.map((job) => job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true })));
    return spent.length;
  }

  /**
   * Schedules `data` at `at` like {@link TimerQueue.scheduleAt}, first removing a finished job
   * (completed or failed) kept under the same id: for a caller that knows the work is new — an
   * order placed under an id whose earlier timer ran while its first placement never got stored.
   */
  async scheduleAfresh(id: string, at: Date, data: T): Promise<void> {
    const existing = await this.queue.getJob(id);
    if (existing && ((await existing.isCompleted()) || (await existing.isFailed())))
      await existing.remove().catch(() => undefined);
    await this.scheduleAt(id, at, data);
  }

  /** How many timers wait: delayed, waiting or running. */
  async pending(): Promise<number> {
    const counts = await this.queue.getJobCounts('delayed', 'waiting', 'active', 'prioritized');
    return Object.values(counts).reduce((a, b) => a + b, 0);
  }

  async close(): Promise<void> {
    await this.queue.close();
    this.connection.disconnect();
  }
}
