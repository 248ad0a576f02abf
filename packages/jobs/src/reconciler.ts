import type { Redis } from 'ioredis';

/** The slice of a pino-style logger the runner reports to. */
export interface ReconcilerLogger {
  debug?(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/**
 * What a pass looks at: `all` that MongoDB says is pending (to rebuild what Redis lost), or only
 * what is `due` — at or past its time — which is all a Redis that kept its timers can have missed.
 */
export type ReconcileScope = 'all' | 'due';

export interface ReconcilerOptions<R extends object> {
  /** Said in every log line, e.g. `deadlines`. */
  name: string;
  /** One pass over what MongoDB says is pending, `all` of it or what is `due`; returns a report for the log. */
  run: (scope: ReconcileScope) => Promise<R>;
  /** Pause between the end of one pass and the start of the next. */
  intervalMs: number;
  logger: ReconcilerLogger;
  /** Checked every `epochCheckMs`: when it says Redis was emptied, a pass starts at once. */
  epoch?: RedisEpoch;
  /**
   * A timed pass reads `all` when the last such pass began this long ago (ms): for work a `due`
   * pass finds only from what this instance saw (an instance that died leaves its own). Unset: never.
   */
  fullEveryMs?: number;
  epochCheckMs?: number;
}

/**
 * Runs a service's reconciler — the pass that puts back from MongoDB what Redis lost (timers,
 * jobs) and settles what is overdue:
 * - never a start-up blocker: `start()` returns at once and the first pass runs in the background;
 * - single-flight: a pass never overlaps the previous one, on a timer or asked for (`runNow`);
 * - paced: the next pass starts `intervalMs` after the previous one ended (not `setInterval`),
 *   so a long backlog slows the cadence instead of stacking passes;
 * - proportional to what is due: a pass on the timer looks only at what is `due`; `all` is read
 *   only when Redis may have lost timers — the first pass when the `epoch` marker was missing
 *   (a new or emptied Redis; without an `epoch`, always), a pass after a check found it gone, and
 *   `runNow()` unless told otherwise;
 * - reports each pass (its report, scope and duration) to the logger — at info when it did
 *   something (a count other than `checked` above zero) or was the first, else at debug; a
 *   failed pass is logged and the next one comes at its time.
 * With an `epoch` it notices a Redis that was emptied, restarted or failed over within seconds
 * and rebuilds at once; the marker is confirmed only when a rebuild succeeded, so every instance
 * sharing it rebuilds until one has, and one that dies midway leaves the rebuild to the others.
 */
export class Reconciler<R extends object> {
  private current: Promise<R> | undefined;
  private next: Promise<R> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private epochTimer: NodeJS.Timeout | undefined;
  private running = false;
  /** The scope the next pass is asked for: `all` wins over `due`. */
  private wanted: ReconcileScope | undefined;
  /** The next timed pass reads everything (the first one, or Redis was emptied). */
  private rebuild = true;
  /** When the last pass over `all` began (epoch ms). */
  private lastAllAt = 0;
  /** A pass over `all` with an epoch is under way: the loss it answers is not news to the watch. */
  private rebuilding = false;
  private last: { report?: R; error?: string; finishedAt: Date; durationMs: number } | undefined;

  constructor(private readonly options: ReconcilerOptions<R>) {}

  /** Starts the paced passes; the first begins now, in the background. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
    if (this.options.epoch) this.watchEpoch(this.options.epoch);
  }

  /**
   * A pass that starts after this call: waits for the one in progress (if any), then runs a
   * fresh one. Callers arriving together share that fresh pass.
   */
  runNow(scope: ReconcileScope = 'all'): Promise<R> {
    this.wanted = this.wanted === 'all' || scope === 'all' ? 'all' : 'due';
    if (this.next) return this.next;
    const after = this.current?.catch(() => undefined) ?? Promise.resolve();
    const next = after.then(() => {
      this.next = undefined;
      const wanted = this.wanted ?? scope;
      this.wanted = undefined;
      return this.pass(wanted);
    });
    this.next = next;
    return next;
  }

  /** Stops the passes; waits for the one in progress. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    clearTimeout(this.epochTimer);
    await this.next?.catch(() => undefined);
    await this.current?.catch(() => undefined);
  }

  /** The last pass: its report or error, when it ended and how long it took. */
  status(): Reconciler<R>['last'] {
    return this.last;
  }

  private schedule(ms: number): void {
    if (!this.running) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timedScope()
        .then((scope) => this.runNow(scope))
        .catch(() => undefined)
        .finally(() => this.schedule(this.options.intervalMs));
    }, ms);
    this.timer.unref();
  }

  /** `all` for the first pass when the marker was missing (always, without an epoch) and after a loss; else `due`. */
  private async timedScope(): Promise<ReconcileScope> {
    if (this.rebuild && this.last === undefined && this.options.epoch)
      this.rebuild = await this.options.epoch.lost().catch(() => true);
    const { fullEveryMs } = this.options;
    if (fullEveryMs !== undefined && Date.now() - this.lastAllAt >= fullEveryMs) this.rebuild = true;
    const scope = this.rebuild ? 'all' : 'due';
    this.rebuild = false;
    return scope;
  }

  private pass(scope: ReconcileScope): Promise<R> {
    const started = Date.now();
    if (scope === 'all') this.lastAllAt = started;
    const { name, logger, epoch } = this.options;
    const rebuild = scope === 'all' && epoch !== undefined;
    if (rebuild) this.rebuilding = true;
    // The Redis process the rebuild puts things back on; marked as whole once the pass succeeds.
    const since = rebuild ? epoch.runId().catch(() => undefined) : Promise.resolve(undefined);
    const run = since.then(() => this.options.run(scope));
    const current = run.then(
      async (report) => {
        if (rebuild) {
          const runId = await since;
          if (runId !== undefined) await epoch.confirm(runId).catch(() => undefined);
          this.rebuilding = false;
        }
        const durationMs = Date.now() - started;
        const first = this.last === undefined;
        this.last = { report, finishedAt: new Date(), durationMs };
        // A pass that found nothing to do is routine; one that did something (or the first) is news.
        const acted = Object.entries(report).some(
          ([key, value]) => key !== 'checked' && typeof value === 'number' && value > 0,
        );
        if (first || acted) logger.info({ reconciler: name, scope, ...report, durationMs }, `${name} reconciled`);
        else logger.debug?.({ reconciler: name, scope, ...report, durationMs }, `${name} reconciled`);
        return report;
      },
      (error: unknown) => {
        if (rebuild) this.rebuilding = false;
        const durationMs = Date.now() - started;
        this.last = {
          error: error instanceof Error ? error.message : String(error),
          finishedAt: new Date(),
          durationMs,
        };
        logger.error(
          { reconciler: name, scope, err: error, durationMs },
          `${name} reconcile failed; the next pass comes at its time`,
        );
        // A rebuild that failed is owed still.
        if (scope === 'all') this.rebuild = true;
        throw error;
      },
    );
    this.current = current;
    return current;
  }

  private watchEpoch(epoch: RedisEpoch): void {
    const check = () => {
      if (!this.running) return;
      epoch
        .lost()
        .then((lost) => {
          if (!lost || !this.running || this.rebuilding) return;
          this.options.logger.warn({ reconciler: this.options.name }, 'Redis was emptied; reconciling all now');
          this.rebuild = true;
          this.schedule(0);
        })
        .catch(() => undefined)
        .finally(() => {
          this.epochTimer = setTimeout(check, this.options.epochCheckMs ?? 5_000);
          this.epochTimer.unref();
        });
    };
    this.epochTimer = setTimeout(check, this.options.epochCheckMs ?? 5_000);
    this.epochTimer.unref();
  }
}

/**
 * A marker key in Redis that says "this Redis holds what MongoDB says it should": the `run_id`
 * (INFO server) of the Redis process a rebuild from MongoDB last completed on. A Redis process
 * draws a new `run_id` at each start, so the marker is missing or names another process when
 * Redis is new, was emptied (FLUSHALL), restarted (even from its AOF, which may lack its last
 * second of writes) or failed over to a replica (which has its own `run_id` and may lag its
 * primary): its timers and jobs must then be rebuilt from MongoDB. The marker is written only
 * once a rebuild has succeeded ({@link RedisEpoch.confirm}), so every instance sharing the key
 * keeps seeing the loss until one of them has put everything back: one that dies midway leaves
 * the rebuild to the others. A check is two commands (INFO, GET): cheap enough every few seconds.
 */
export class RedisEpoch {
  constructor(
    private readonly redis: Redis,
    private readonly key: string,
  ) {}

  /** The `run_id` of the Redis process serving now. */
  async runId(): Promise<string> {
    const runId = /^run_id:(\w+)/m.exec(await this.redis.info('server'))?.[1];
    if (!runId) throw new Error('Redis INFO server named no run_id');
    return runId;
  }

  /** Whether Redis may have lost its data since the last rebuild: the marker missing or naming another Redis process. */
  async lost(): Promise<boolean> {
    const [runId, marker] = await Promise.all([this.runId(), this.redis.get(this.key)]);
    return marker !== runId;
  }

  /**
   * Marks Redis as holding what MongoDB says, after a rebuild that began on the process `since`
   * names (its `run_id` then) succeeded. A Redis that restarted during the rebuild is not marked.
   */
  async confirm(since: string): Promise<void> {
    if ((await this.runId()) === since) await this.redis.set(this.key, since);
  }
}
