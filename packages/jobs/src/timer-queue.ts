import { Queue } from 'bullmq';
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
}

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

  constructor(
    readonly name: string,
    settings: JobsSettings,
    private readonly retry: RetrySettings = { attempts: 5, backoffMs: 1_000 },
  ) {
    this.queue = new Queue<T>(name, { connection: settings.connection, prefix: settings.prefix, telemetry: jobTelemetry });
  }

  /** Schedules `data` to be worked on at `at` (at once when `at` has passed). Idempotent by `id`. */
  async scheduleAt(id: string, at: Date, data: T): Promise<void> {
    if (!ID.test(id)) throw new Error(`job id ${id} must be 1–200 of A–Z a–z 0–9 _ . -`);
    await this.queue.add(this.name as never, data as never, {
      jobId: id,
      delay: Math.max(0, at.getTime() - Date.now()),
      attempts: this.retry.attempts,
      backoff: { type: 'exponential', delay: this.retry.backoffMs },
      // Kept for a day after the work is done, so a late duplicate schedule still finds it and does nothing.
      removeOnComplete: { age: 86_400 },
      removeOnFail: { age: 7 * 86_400 },
    });
  }

  /** Whether a timer is known (waiting, delayed, running or recently done). */
  async has(id: string): Promise<boolean> {
    return (await this.queue.getJob(id)) !== undefined;
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

  /** How many timers wait: delayed, waiting or running. */
  async pending(): Promise<number> {
    const counts = await this.queue.getJobCounts('delayed', 'waiting', 'active', 'prioritized');
    return Object.values(counts).reduce((a, b) => a + b, 0);
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
