import { AppError } from '@orderpulse/service-kit';

import { escalate } from '../../domain/use-cases/escalate.use-case';
import type { AuditPorts, CaseTimer } from '../../domain/use-cases/ports';
import { lookForOrder } from '../../domain/use-cases/receive-failure.use-case';

export const timerQueue = 'audit-timers';
/** Escalations and parked look-ups. Both are idempotent; an escalation fired early is tried again. */
export async function runTimer(ports: AuditPorts, job: CaseTimer): Promise<void> {
  if (job.kind === 'park') {
    await lookForOrder(ports, job.caseId);
    return;
  }
  if ((await escalate(ports, job.caseId)) === 'not_due') {
    // Fired before the deadline (clocks differ between hosts): try again shortly.
    throw new AppError('UNAVAILABLE', `case ${job.caseId} is not due yet`);
  }
}
