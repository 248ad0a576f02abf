import type { Logger } from '@orderpulse/service-kit';

import type { NotificationPorts } from '../../domain/use-cases/deps';
import { type PushReconcileReport, requeueLostPushes } from '../../domain/use-cases/requeue-pushes.use-case';

/**
 * Runs the push reconciler now and then every `intervalMs`, one run at a time (the next is
 * timed from the end of the last), never in the way of start-up.
 */
export class PushReconciler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<PushReconcileReport> | undefined;
  private stopped = false;

  constructor(
    private readonly ports: NotificationPorts,
    private readonly settings: { intervalMs: number; pageSize: number; logger: Logger },
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** One run; a run already under way is joined, not doubled. */
  async run(): Promise<PushReconcileReport> {
    this.running ??= requeueLostPushes(this.ports, this.settings.pageSize).finally(() => (this.running = undefined));
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.run()
        .then((report) => {
          if (report.requeued + report.abandoned > 0) this.settings.logger.info({ ...report }, 'pushes Redis had lost queued again');
        })
        .catch((error: unknown) => this.settings.logger.error({ err: error }, 'push reconcile failed'))
        .finally(() => this.schedule(this.settings.intervalMs));
    }, delayMs);
  }
}
