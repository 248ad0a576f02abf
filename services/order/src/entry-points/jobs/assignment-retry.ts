import type { Logger } from '@orderpulse/service-kit';

import type { OrderRepository } from '../../data-access/order.repository';
import { assignDelivery } from '../../domain/use-cases/deliver-order.use-case';
import type { OrderPorts } from '../../domain/use-cases/deps';

export interface AssignmentRetryReport {
  checked: number;
  assigned: number;
}

/** Offers every accepted order without a terminal to the terminals again, oldest first, a page at a time. */
export async function retryAssignments(ports: OrderPorts, orders: Pick<OrderRepository, 'unassigned'>): Promise<AssignmentRetryReport> {
  const report: AssignmentRetryReport = { checked: 0, assigned: 0 };
  for await (const orderId of orders.unassigned()) {
    report.checked += 1;
    if ((await assignDelivery(ports, orderId))?.terminalId) report.assigned += 1;
  }
  return report;
}

/**
 * Keeps offering orders that wait for a rider (none eligible when they were accepted or
 * declined, or an assignment cut short by a crash): every `intervalMs`, one run at a time, and
 * at once when a terminal is registered or changes. MongoDB is the truth about which orders
 * have no terminal, so nothing here is lost with Redis or a restart.
 */
export class AssignmentRetry {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<AssignmentRetryReport> | undefined;
  private again = false;
  private stopped = true;

  constructor(
    private readonly ports: OrderPorts,
    private readonly orders: Pick<OrderRepository, 'unassigned'>,
    private readonly settings: { intervalMs: number; logger: Logger },
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(this.settings.intervalMs);
  }

  /** Runs now (or right after the run under way): a terminal appeared. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.schedule(0);
  }

  /** One run; a run already under way is joined, not doubled. */
  async run(): Promise<AssignmentRetryReport> {
    this.running ??= retryAssignments(this.ports, this.orders).finally(() => (this.running = undefined));
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.run()
        .then((report) => {
          if (report.assigned > 0) this.settings.logger.info({ ...report }, 'orders waiting for a rider assigned');
        })
        .catch((error: unknown) => this.settings.logger.error({ err: error }, 'assignment retry failed'))
        .finally(() => {
          const soon = this.again;
          this.again = false;
          this.schedule(soon ? 0 : this.settings.intervalMs);
        });
    }, delayMs);
  }
}
