import type { Redis } from 'ioredis';

/** The slice of a pino-style logger the runner reports to. */
export interface ReconcilerLogger {
  debug?(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface ReconcilerOptions<R extends object> {
  /** Said in every log line, e.g. `deadlines`. */
  name: string;
  /** One pass over what MongoDB says is pending; returns a report for the log. */
  run: () => Promise<R>;
  /** Pause between the end of one pass and the start of the next. */
  intervalMs: number;
  logger: ReconcilerLogger;
  /** Checked every `epochCheckMs`: when it says Redis was emptied, a pass starts at once. */
  epoch?: RedisEpoch;
  epochCheckMs?: number;
}

/**
 * Runs a service's reconciler — the pass that puts back from MongoDB what Redis lost (timers,
 * jobs) and settles what is overdue:
 * - never a start-up blocker: `start()` returns at once and the first pass runs in the background;
 * - single-flight: a pass never overlaps the previous one, on a timer or asked for (`runNow`);
 * - paced: the next pass starts `intervalMs` after the previous one ended (not `setInterval`),
 *   so a long backlog slows the cadence instead of stacking passes;
 * - reports each pass (its report and duration) to the logger — at info when it did something
 *   (a count other than `checked` above zero) or was the first, else at debug; a failed pass
 *   is logged and the next one comes at its time.
 * With an `epoch` it also notices a Redis that was emptied within seconds and runs at once.
 */
export class Reconciler<R extends object> {
  private current: Promise<R> | undefined;
  private next: Promise<R> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private epochTimer: NodeJS.Timeout | undefined;
  private running = false;
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
  runNow(): Promise<R> {
    if (this.next) return this.next;
    const after = this.current?.catch(() => undefined) ?? Promise.resolve();
    const next = after.then(() => {
      this.next = undefined;
      return this.pass();
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
      this.runNow()
        .catch(() => undefined)
        .finally(() => this.schedule(this.options.intervalMs));
    }, ms);
    this.timer.unref();
  }

  private pass(): Promise<R> {
    const started = Date.now();
    const { name, logger } = this.options;
    const current = this.options.run().then(
      (report) => {
        const durationMs = Date.now() - started;
        const first = this.last === undefined;
        this.last = { report, finishedAt: new Date(), durationMs };
        // A pass that found nothing to do is routine; one that did something (or the first) is news.
        const acted = Object.entries(report).some(([key, value]) => key !== 'checked' && typeof value === 'number' && value > 0);
        if (first || acted) logger.info({ reconciler: name, ...report, durationMs }, `${name} reconciled`);
        else logger.debug?.({ reconciler: name, ...report, durationMs }, `${name} reconciled`);
        return report;
      },
      (error: unknown) => {
        const durationMs = Date.now() - started;
        this.last = { error: error instanceof Error ? error.message : String(error), finishedAt: new Date(), durationMs };
        logger.error({ reconciler: name, err: error, durationMs }, `${name} reconcile failed; the next pass comes at its time`);
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
          if (!lost || !this.running) return;
          this.options.logger.warn({ reconciler: this.options.name }, 'Redis was emptied; reconciling now');
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
 * A marker key in Redis that says "this Redis still holds what we put in it". Written on the
 * first check; when a later check finds it gone, Redis was emptied (FLUSHALL, a restart without
 * persistence, a failover to an empty replica) and its timers and jobs must be rebuilt from
 * MongoDB. One `SET NX` per check: cheap enough to run every few seconds. The key must be
 * the checker's own (one per service and reconciler): a shared key is put back by the first
 * checker after a loss, and the others would never see that it was gone.
 */
export class RedisEpoch {
  private known = false;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
  ) {}

  /** Whether Redis lost the marker since the last check (false on the first check, which writes it). */
  async lost(): Promise<boolean> {
    const written = await this.redis.set(this.key, new Date().toISOString(), 'NX');
    const wasKnown = this.known;
    this.known = true;
    return written === 'OK' && wasKnown;
  }
}
