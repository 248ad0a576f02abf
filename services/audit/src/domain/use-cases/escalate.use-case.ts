import { AuditCaseEscalated, newEvent } from '@orderpulse/contracts';
import { LOST_RACE, retryOnConflict } from '@orderpulse/service-kit';

import { awaitingFix, caseRef } from '../audit-case';
import { caseStep } from '../case-lifecycle';
import { escalationTemplate, fillTemplate } from '../messages';
import type { AuditPorts } from './ports';

export type EscalationOutcome = 'escalated' | 'not_due' | 'nothing_to_do';

/**
 * At the deadline: a case whose handler still owes the fix goes to the lead, once per round.
 * A case fixed meanwhile, or already escalated, is left alone; so running it again is harmless.
 */
export async function escalate(ports: AuditPorts, caseId: string): Promise<EscalationOutcome> {
  return retryOnConflict(`case ${caseId}`, async () => {
    const c = await ports.cases.get(caseId);
    if (!c || !awaitingFix.includes(c.status) || c.escalatedAt || !c.deadline || !c.order) return 'nothing_to_do';
    const now = ports.clock();
    if (now.getTime() < c.deadline.getTime()) return 'not_due';
    const order = c.order;
    const notice = fillTemplate(escalationTemplate, {
      order,
      reason: c.reason.text,
      reasonType: c.reasonType,
      deadline: c.deadline,
      handlerId: c.handlerId,
    });
    const updated = await ports.cases.update(
      c,
      {
        set: { escalatedAt: now, updatedAt: now },
        history: caseStep(c.status, {
          action: 'escalated',
          by: { role: 'system', subject: 'deadline' },
          at: now,
          details: { leadId: c.leadId ?? '' },
        }).history,
      },
      [
        {
          topic: ports.settings.auditEventsTopic,
          event: newEvent(AuditCaseEscalated, {
            source: ports.settings.source,
            subject: order.orderNo,
            data: { ...caseRef(c, order), deadline: c.deadline.toISOString(), notice },
          }),
        },
      ],
    );
    if (!updated) return LOST_RACE;
    return 'escalated';
  });
}
