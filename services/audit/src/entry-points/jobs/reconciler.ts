import type { CaseRepository } from '../../data-access/case.repository';
import { isOverdue } from '../../domain/audit-case';
import { type AuditPorts, jobIds, scheduleFor } from '../../domain/use-cases/deps';
import { escalate } from '../../domain/use-cases/escalate.use-case';
import { lookForOrder } from '../../domain/use-cases/receive-failure.use-case';

export interface ReconcileReport {
  checked: number;
  rescheduled: number;
  escalated: number;
}

/**
 * MongoDB is the truth about cases; Redis may lose their timers and calls. Every case that
 * waits on one gets it back, and an overdue case is escalated now. Runs at start and periodically.
 */
export async function reconcileCases(ports: AuditPorts, cases: Pick<CaseRepository, 'needingWork'>): Promise<ReconcileReport> {
  const report: ReconcileReport = { checked: 0, rescheduled: 0, escalated: 0 };
  const now = ports.clock();
  for await (const c of cases.needingWork()) {
    report.checked += 1;
    if (c.status === 'open' && !c.escalatedAt && isOverdue(c, now)) {
      if ((await escalate(ports, c.caseId)) === 'escalated') report.escalated += 1;
      continue;
    }
    if (c.status === 'parked') {
      await lookForOrder(ports, c.caseId);
      continue;
    }
    const pending =
      c.status === 'open' ? c.escalatedAt !== undefined || (await ports.timers.has(jobIds.escalate(c))) : await ports.calls.has(c.status === 'resubmitting' ? jobIds.resubmit(c) : jobIds.deliver(c));
    if (!pending) {
      await scheduleFor(ports, c);
      report.rescheduled += 1;
    }
  }
  return report;
}
