import type { ReconcileScope } from '@orderpulse/jobs';
import { unlessBusy } from '@orderpulse/service-kit';

import type { CaseRepository } from '../../data-access/case.repository';
import { isOverdue } from '../../domain/audit-case';
import { escalate } from '../../domain/use-cases/escalate.use-case';
import { type AuditPorts, jobIds, scheduleFor } from '../../domain/use-cases/ports';
import { lookForOrder } from '../../domain/use-cases/receive-failure.use-case';

export interface ReconcileReport {
  checked: number;
  rescheduled: number;
  escalated: number;
}

/**
 * MongoDB is the truth about cases; Redis may lose their timers and calls. A pass over `all`
 * cases gives every one that waits on a timer or call its job back; every pass escalates an
 * overdue case now, looks again for a parked case's order and queues again a call that failed
 * for good. A `due` pass (the usual one) leaves out the open cases still inside their window, the
 * bulk of them, so its cost follows what is due, not what is open.
 */
export async function reconcileCases(
  ports: AuditPorts,
  cases: Pick<CaseRepository, 'needingWork' | 'dueWork'>,
  scope: ReconcileScope = 'all',
): Promise<ReconcileReport> {
  const report: ReconcileReport = { checked: 0, rescheduled: 0, escalated: 0 };
  const now = ports.clock();
  for await (const c of scope === 'all' ? cases.needingWork() : cases.dueWork(now)) {
    report.checked += 1;
    if (c.status === 'open' && !c.escalatedAt && isOverdue(c, now)) {
      if ((await unlessBusy(escalate(ports, c.caseId))) === 'escalated') report.escalated += 1;
      continue;
    }
    if (c.status === 'parked') {
      await unlessBusy(lookForOrder(ports, c.caseId));
      continue;
    }
    const pending =
      c.status === 'open'
        ? c.escalatedAt !== undefined || (await ports.timers.has(jobIds.escalate(c)))
        : await ports.calls.has(c.status === 'resubmitting' ? jobIds.resubmit(c) : jobIds.deliver(c));
    if (!pending) {
      await scheduleFor(ports, c);
      report.rescheduled += 1;
    }
  }
  return report;
}
