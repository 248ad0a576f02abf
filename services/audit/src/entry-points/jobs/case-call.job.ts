import { deliverSuccess } from '../../domain/use-cases/deliver-success.use-case';
import type { AuditPorts, CaseCall } from '../../domain/use-cases/ports';
import { resubmit } from '../../domain/use-cases/resubmit.use-case';

export const callQueue = 'audit-calls';

/** Calls to the middle office and the user system, retried with backoff by the queue. */
export async function runCall(ports: AuditPorts, job: CaseCall, attempt: number): Promise<void> {
  if (job.kind === 'resubmit') await resubmit(ports, job.caseId, attempt);
  else await deliverSuccess(ports, job.caseId, attempt);
}
