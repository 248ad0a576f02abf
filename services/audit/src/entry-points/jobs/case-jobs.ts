import { AppError } from '@orderpulse/service-kit';

import { deliverSuccess } from '../../domain/use-cases/deliver-success.use-case';
import type { AuditPorts, CaseCall, CaseTimer } from '../../domain/use-cases/deps';
import { escalate } from '../../domain/use-cases/escalate.use-case';
import { lookForOrder } from '../../domain/use-cases/receive-failure.use-case';
import { resubmit } from '../../domain/use-cases/resubmit.use-case';

export const timerQueue = 'audit-timers';
export const callQueue = 'audit-calls';

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

/** Calls to the middle office and the user system, retried with backoff by the queue. */
export async function runCall(ports: AuditPorts, job: CaseCall, attempt: number): Promise<void> {
  if (job.kind === 'resubmit') await resubmit(ports, job.caseId, attempt);
  else await deliverSuccess(ports, job.caseId, attempt);
}
