import { isTransient } from '@orderpulse/kafka';
import { type Platform, trackTimers, withLogContext } from '@orderpulse/service-kit';

import { type JobAgain, type JobContext, JobWorker, type JobWorkerOptions } from './job-worker';
import { queueDashboard, type QueueDashboard } from './queue-dashboard';
import { Reconciler, type ReconcilerOptions, RedisEpoch } from './reconciler';
import { type JobsSettings, type RetrySettings, TimerQueue } from './timer-queue';

/** How one queue of a service is tried and worked. */
export interface ServiceQueueOptions<T extends object> extends Pick<
  JobWorkerOptions,
  'concurrency' | 'lockDurationMs'
> {
  /** Tries and backoff of each job. */
  retry: RetrySettings;
  /** What a job's log lines say beside its `jobId`: the id of the entity it works on (`{ orderId }`). */
  logContext: (job: T) => Record<string, string>;
}

/** A reconciler of the service; `epoch: true` watches the service's epoch marker for a Redis loss. */
export type ServiceReconcilerOptions<R extends object> = Omit<ReconcilerOptions<R>, 'logger' | 'epoch'> & {
  epoch?: boolean;
};

/**
 * A service's BullMQ work, wired one way in every service:
 * - `queue()` makes a {@link TimerQueue} and its {@link JobWorker}: each run in the job's log
 *   context, a dependency's outage held without spending a try (`isTransient`), a job that failed
 *   its last try and the worker's own errors logged at warn, the queue's depth in `timers_pending`;
 * - `reconciler()` makes a {@link Reconciler} logging to the service's logger, with, when asked,
 *   the service's {@link RedisEpoch} marker `<prefix>:epoch:<service>`;
 * - `dashboard()` is the admin page over every queue; `start()` starts the workers once the
 *   service's ports exist; `stop()` stops the workers, then closes the queues.
 *
 * @param platform the service's Redis (a BullMQ connection), logger and metrics registry.
 * @param service the service's name, in the epoch marker's key.
 * @param prefix the service's `QUEUE_PREFIX`, before every key.
 * @throws Error when the platform has no Redis.
 */
export class ServiceJobs {
  private readonly settings: JobsSettings;
  private readonly queues: Pick<TimerQueue<object>, 'name' | 'pending' | 'close'>[] = [];
  private readonly workers: Pick<JobWorker<object>, 'start' | 'stop'>[] = [];

  constructor(
    private readonly platform: Pick<Platform, 'redis' | 'logger' | 'metrics'>,
    private readonly service: string,
    prefix: string,
  ) {
    if (!platform.redis) throw new Error(`the ${service} service's jobs need Redis`);
    this.settings = { connection: platform.redis, prefix };
    trackTimers(platform.metrics, this.queues);
  }

  /**
   * The queue `name` and its worker, which runs `run` for each job. `run` may refer to ports made
   * after this call: the worker takes jobs only from `start()` on.
   */
  queue<T extends object>(
    name: string,
    run: (job: T, context: JobContext) => Promise<void | JobAgain>,
    options: ServiceQueueOptions<T>,
  ): TimerQueue<T> {
    const { logger } = this.platform;
    const queue = new TimerQueue<T>(name, this.settings, options.retry);
    const worker = new JobWorker<T>(
      name,
      this.settings,
      (job, context) => withLogContext({ jobId: context.id, ...options.logContext(job) }, () => run(job, context)),
      {
        concurrency: options.concurrency,
        lockDurationMs: options.lockDurationMs,
        onFailed: (id, reason) => logger.warn({ jobId: id, queue: name, reason }, 'job failed its last try'),
        onError: (error) => logger.warn({ err: error, queue: name }, 'job worker error'),
        isTransient,
      },
    );
    this.queues.push(queue);
    this.workers.push(worker);
    return queue;
  }

  reconciler<R extends object>({ epoch, ...options }: ServiceReconcilerOptions<R>): Reconciler<R> {
    return new Reconciler<R>({
      ...options,
      logger: this.platform.logger,
      // A Redis emptied (FLUSHALL, a restart without its AOF) is noticed within seconds, not at the next pass.
      ...(epoch
        ? { epoch: new RedisEpoch(this.settings.connection, `${this.settings.prefix}:epoch:${this.service}`) }
        : {}),
    });
  }

  /** The queues' admin page (bull-board), for `ServiceParts.adminPages`. */
  dashboard(): QueueDashboard {
    return queueDashboard(
      this.queues.map((q) => q.name),
      this.settings,
    );
  }

  async start(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.start()));
  }

  /** Stops taking jobs and waits for those in hand, then closes the queues. */
  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.stop()));
    await Promise.all(this.queues.map((q) => q.close()));
  }
}
