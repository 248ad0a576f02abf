import { AuditPassed, type EventData } from '@orderpulse/contracts';

import { CallFailed } from '../errors';
import { caseRef } from '../audit-case';
import { fillTemplate } from '../messages';
import type { AuditPorts } from './deps';
import { passedEventId } from './resubmit.use-case';

/**
 * Hands the audit-success message to the user system (it is also on Kafka, from the outbox).
 * Delivered: the case is closed. A transient failure is retried; after the last try the case
 * stays `passed` with the error noted, and the reconciler tries again later.
 */
export async function deliverSuccess(ports: AuditPorts, caseId: string, attempt: number): Promise<void> {
  const c = await ports.cases.get(caseId);
  if (!c || c.status !== 'passed' || !c.order || !c.passedAt) return;
  const order = c.order;
  const message: EventData<typeof AuditPassed> = AuditPassed.schema.parse({
    ...caseRef(c, order),
    order,
    passedAt: c.passedAt.toISOString(),
    message: c.successMessage ?? fillTemplate((await ports.policies.current()).policy.successMessage, { order }),
  });
  const now = ports.clock();
  try {
    await ports.userSystem.auditPassed(passedEventId(c.caseId), message, now);
  } catch (error) {
    if (!(error instanceof CallFailed)) throw error;
    if (error.retryable && attempt < ports.settings.callAttempts) throw error;
    await ports.cases.update(c, { set: { updatedAt: now }, history: { at: now, action: 'passed', by: { role: 'system', subject: 'audit' }, status: 'passed', note: `the user system did not take the success message: ${error.message}` } }, []);
    return;
  }
  await ports.cases.update(c, { set: { status: 'closed', deliveredAt: now, updatedAt: now }, history: { at: now, action: 'delivered', by: { role: 'system', subject: 'audit' }, status: 'closed' } }, []);
}
