import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { Queue } from 'bullmq';
import type { Router } from 'express';

import type { JobsSettings } from './timer-queue';

/** A queue dashboard mounted in a service, and how to let go of its queue handles. */
export interface QueueDashboard {
  /** Where it is mounted, e.g. `/admin/queues`. */
  basePath: string;
  /** The dashboard's pages and API; mount it at `basePath` behind an admin check. */
  router: Router;
  close(): Promise<void>;
}

/**
 * Bull Board (https://github.com/felixmosh/bull-board) over the service's own BullMQ queues: counts
 * per state, delayed timers with their due times, failed jobs with their errors and attempts. Read
 * only unless `readOnly: false` — retrying or removing a timer by hand is for the runbook to decide.
 * It opens queue handles of its own (same names and prefix), so it never holds up the service's.
 */
export function queueDashboard(
  names: readonly string[],
  settings: JobsSettings,
  options: { basePath?: string; readOnly?: boolean } = {},
): QueueDashboard {
  const basePath = options.basePath ?? '/admin/queues';
  const queues = names.map((name) => new Queue(name, { connection: settings.connection, prefix: settings.prefix }));
  const adapter = new ExpressAdapter();
  adapter.setBasePath(basePath);
  createBullBoard({
    queues: queues.map((q) => new BullMQAdapter(q, { readOnlyMode: options.readOnly ?? true })),
    serverAdapter: adapter,
    options: { uiConfig: { boardTitle: 'orderpulse queues' } },
  });
  return {
    basePath,
    router: adapter.getRouter() as Router,
    close: async () => {
      await Promise.all(queues.map((q) => q.close()));
    },
  };
}
