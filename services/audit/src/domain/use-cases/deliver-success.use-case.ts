import { AuditPassed, type EventData } from '@orderpulse/contracts';

import { type Actor, caseRef } from '../audit-case';
import { caseStep } from '../case-lifecycle';
import { CallFailed } from '../errors';
import { fillTemplate } from '../messages';
import type { AuditPorts } from './ports';
import { passedEventId } from './resubmit.use-case';

const system: Actor = { role: 'system', subject: 'audit' };

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
    await ports.cases.update(
      c,
      {
        set: { updatedAt: now },
        history: caseStep(c.status, {
          action: 'passed',
          by: system,
          at: now,
          note: `the user system did not take the success message: ${error.message}`,
        }).history,
      },
      [],
    );
    return;
  }
  const delivered = caseStep(c.status, { action: 'delivered', by: system, at: now });
  await ports.cases.update(
    c,
    { set: { status: delivered.status, deliveredAt: now, updatedAt: now }, history: delivered.history },
    [],
  );
}
