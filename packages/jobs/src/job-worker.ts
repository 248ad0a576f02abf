import { setMaxListeners } from 'node:events';

import { DelayedError, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';

import { cappedBackoff, jobTelemetry, type JobsSettings } from './timer-queue';

/** How long a job a stopping worker gives back waits before it can be taken again, in ms. */
const GIVE_BACK_MS = 500;

/** What a handler knows of the job it runs. */
export interface JobContext {
  id: string;
  /** 1 on the first try. */
  attempt: number;
  /**
   * How many times the job has been taken to run, this run included (BullMQ `attemptsStarted`):
   * holds, give-backs and stalls count as well as tries. 1 only on its very first run.
   */
  started: number;
  /** How many times a worker lost the job's lock while running it (BullMQ `stalledCounter`): an earlier run may still be going. */
  stalls: number;
  /**
   * What an earlier try saved with {@link JobContext.saveProgress} (BullMQ's job progress,
   * kept in Redis with the job), or undefined: lets a retry go on from where that try got to.
   */
  progress: unknown;
  /** Saves how far this try got (BullMQ `job.updateProgress`), for the next try if this one fails. */
  saveProgress: (progress: object) => Promise<void>;
  /**
   * Aborted when the worker stops: a handler that waits on something (a dependency's return)
   * gives up the wait and throws, so `stop()` is not held. A job given up so goes back to the
   * queue with its progress, without spending a try.
   */
  signal: AbortSignal;
}

/**
 * What a handler may answer besides finishing: `againAt`, to be run again at that time without
 * spending a try (BullMQ's manual delay, `moveToDelayed` then `DelayedError`) — for a timer that
 * fired before what it waits for, or that was set before the time was known.
 */
export interface JobAgain {
  againAt: Date;
}

export interface JobWorkerOptions {
  concurrency?: number;
  /**
   * How long a job's lock lives without renewal. A job whose worker died is taken up again once
   * its lock lapses and the stalled-job check (same period) sees it.
   */
  lockDurationMs?: number;
  /** Told when a job has failed its last try, for logs and metrics. */
  onFailed?: (id: string, reason: string) => void;
  /**
   * Told of the worker's own errors (BullMQ's `error` event): e.g. a job whose keys a Redis loss
   * removed while it ran (`Missing key for job`). Listened to always, so one never throws.
   */
  onError?: (error: Error) => void;
  /**
   * Whether a handler's error is a dependency's outage (MongoDB, Redis, S3 or the network away;
   * the services pass `failureKind(error) === 'transient'` from `@orderpulse/kafka`). Such a job
   * is held — run again after a pause that doubles from 500 ms up to `maxHoldMs` — without
   * spending a try: an outage costs time, never the work. Unset: every error spends a try.
   */
  isTransient?: (error: unknown) => boolean;
  /** The longest pause between holds, in ms; 5,000 unless given. */
  maxHoldMs?: number;
}

/**
 * Works the jobs of one queue. A handler error is retried with the queue's backoff unless it
 * says `retryable: false`, or held without spending a try when it is a dependency's outage
 * (`isTransient`); a handler that answers {@link JobAgain} has its job run again then; `stop()` stops taking jobs, aborts {@link JobContext.signal} and waits
 * for the jobs in hand to finish.
 */
export class JobWorker<T extends object> {
  private worker: Worker<T> | undefined;
  private connection: Redis | undefined;
  private stopping = new AbortController();

  constructor(
    private readonly name: string,
    private readonly settings: JobsSettings,
    private readonly handle: (data: T, context: JobContext) => Promise<void | JobAgain>,
    private readonly options: JobWorkerOptions = {},
  ) {}

  async start(): Promise<void> {
    // A worker blocks on its connection while it waits for jobs, so it gets one of its own.
    this.connection = this.settings.connection.duplicate();
    this.stopping = new AbortController();
    const stopping = this.stopping.signal;
    // Every job in hand may wait on it at once.
    setMaxListeners(0, stopping);
    this.worker = new Worker<T>(
      this.name,
      async (job, token) => {
        // A job given back by a stopping worker (below) may be taken again by the same worker before its close ends:
        // it goes back again, untouched, a moment later (for another worker, or this one's next start).
        const delayUntil = async (at: number) => {
          await job.moveToDelayed(at, token);
          throw new DelayedError();
        };
        const giveBack = () => delayUntil(Date.now() + GIVE_BACK_MS);
        if (stopping.aborted) return giveBack();
        let outcome: void | JobAgain;
        try {
          const progress = typeof job.progress === 'object' ? job.progress : undefined;
          outcome = await this.handle(job.data, {
            id: job.id ?? '',
            attempt: job.attemptsMade + 1,
            started: job.attemptsStarted ?? job.attemptsMade + 1,
            stalls: job.stalledCounter ?? 0,
            progress,
            saveProgress: (value) => job.updateProgress(value),
            signal: stopping,
          });
        } catch (error) {
          // Given up because the worker stops, not because it failed: back to the queue as it was (BullMQ's
          // manual delay: `moveToDelayed` then `DelayedError`), its progress kept and no try spent.
          if (stopping.aborted) return giveBack();
          if (this.options.isTransient?.(error)) {
            // Tries started but neither spent nor given back: the holds so far (BullMQ counts both).
            const holds = Math.max(0, (job.attemptsStarted ?? 0) - job.attemptsMade - 1);
            return delayUntil(Date.now() + Math.min(this.options.maxHoldMs ?? 5_000, 500 * 2 ** Math.min(holds, 10)));
          }
          const retryable = !(
            typeof error === 'object' &&
            error !== null &&
            (error as { retryable?: unknown }).retryable === false
          );
          if (retryable) throw error;
          throw new UnrecoverableError(error instanceof Error ? error.message : JSON.stringify(error));
        }
        // A time that is not one (Invalid Date) or has passed runs again shortly, never in a tight loop.
        if (outcome)
          return delayUntil(
            Math.max(Date.now() + 5, Number.isFinite(outcome.againAt.getTime()) ? outcome.againAt.getTime() : 0),
          );
      },
      {
        connection: this.connection,
        prefix: this.settings.prefix,
        telemetry: jobTelemetry,
        concurrency: this.options.concurrency ?? 16,
        ...(this.options.lockDurationMs
          ? { lockDuration: this.options.lockDurationMs, stalledInterval: this.options.lockDurationMs }
          : {}),
        autorun: true,
        // Timers scheduled with a backoff cap (RetrySettings.maxBackoffMs) carry it in their backoff type.
        settings: { backoffStrategy: cappedBackoff },
      },
    );
    this.worker.on('error', (error) => this.options.onError?.(error));
    this.worker.on('failed', (job, error) => {
      if (!job) return;
      const exhausted = error instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
      if (exhausted) this.options.onFailed?.(job.id ?? '', error.message);
    });
    await this.worker.waitUntilReady();
  }

  async stop(): Promise<void> {
    this.stopping.abort(new Error(`worker ${this.name} is stopping`));
    await this.worker?.close();
    this.worker = undefined;
    this.connection?.disconnect();
    this.connection = undefined;
  }
}
