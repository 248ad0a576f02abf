import type { AuditCaseOpened, B2bOrder, EventData } from '@orderpulse/contracts';

import type { AuditCase, FailureReason } from './audit-case';
import type { AuditPolicy } from './audit-policy';
import { classify } from './classification';
import { type AccountDocking, dockingFor } from './docking';
import { fillTemplate } from './messages';

export interface RoundInput {
  caseId: string;
  round: number;
  order: B2bOrder;
  reason: FailureReason;
  policy: { version: number; policy: AuditPolicy };
  account: AccountDocking | undefined;
  now: Date;
}

/**
 * Everything one failure round decides, without touching anything: its reason type and the
 * rule that said so, the docking person and lead, the deadline, and the preset message filled
 * with the order's facts. The same input gives the same decision.
 */
export function routeRound(input: RoundInput): { set: Partial<AuditCase>; opened: EventData<typeof AuditCaseOpened> } {
  const { order, reason, policy } = input;
  const { type, ruleId } = classify(reason, policy.policy.rules);
  const docking = dockingFor(order.orderNo, order.customerAccount, type, policy.policy, input.account);
  const settings = policy.policy.types[type];
  const deadline = new Date(input.now.getTime() + settings.deadlineMinutes * 60_000);
  const notice = fillTemplate(settings.template, {
    order,
    reason: reason.text,
    reasonType: type,
    deadline,
    handlerId: docking.handlerId,
  });
  return {
    set: {
      // Where a round leaves the case; the step that writes it is checked against the lifecycle (`caseStep`).
      status: 'open',
      round: input.round,
      order,
      reason,
      reasonType: type,
      ruleId,
      policyVersion: policy.version,
      handlerId: docking.handlerId,
      leadId: docking.leadId,
      teamId: docking.teamId,
      deadline,
    },
    opened: {
      caseId: input.caseId,
      round: input.round,
      orderNo: order.orderNo,
      ...(order.preOrderNo ? { preOrderNo: order.preOrderNo } : {}),
      customerAccount: order.customerAccount,
      reasonType: type,
      handlerId: docking.handlerId,
      leadId: docking.leadId,
      reason: { ...(reason.code ? { code: reason.code } : {}), text: reason.text },
      ruleId,
      deadline: deadline.toISOString(),
      notice,
    },
  };
}
