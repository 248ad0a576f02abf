import type { StoredDocument } from '@orderpulse/outbox';
import type mongoose from 'mongoose';
import { Gauge, type Registry } from 'prom-client';

/**
 * How late the merchant response countdown's rulings are: orders still `new` or `connected`
 * whose deadline has passed, read on scrape through the `open_by_deadline` index.
 * - `order_rulings_overdue`: how many such orders there are;
 * - `order_ruling_overdue_seconds`: how long past its deadline the oldest of them is (0 when none).
 * A ruling normally lands within a second or two of the deadline; minutes mean the timer
 * worker is down or Redis lost the timers and the reconciler has not yet re-created them.
 */
export function trackRulingLateness(
  registry: Registry,
  orders: mongoose.mongo.Collection<StoredDocument>,
  now: () => Date = () => new Date(),
): void {
  const overdue = () => ({ status: { $in: ['new', 'connected'] }, responseDeadline: { $lt: now() } });
  new Gauge({
    name: 'order_rulings_overdue',
    help: 'Orders past their response deadline and not yet ruled',
    registers: [registry],
    async collect() {
      this.set(await orders.countDocuments(overdue()));
    },
  });
  new Gauge({
    name: 'order_ruling_overdue_seconds',
    help: 'Seconds past its response deadline of the oldest order not yet ruled (0 when none)',
    registers: [registry],
    async collect() {
      const [oldest] = await orders
        .find(overdue(), { projection: { responseDeadline: 1 } })
        .sort({ responseDeadline: 1 })
        .limit(1)
        .toArray();
      this.set(oldest ? Math.max(0, (now().getTime() - (oldest.responseDeadline as Date).getTime()) / 1000) : 0);
    },
  });
}
