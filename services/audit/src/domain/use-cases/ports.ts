import type { TimerQueue } from '@orderpulse/jobs';

import type { B2bOrderRepository } from '../../data-access/b2b-order.repository';
import type { CaseRepository } from '../../data-access/case.repository';
import type { PolicyRepository } from '../../data-access/policy.repository';
import type { MiddleOffice, UserSystem } from '../../providers/partners';
import type { AuditCase } from '../audit-case';

/** A timer on a case: its escalation at the deadline, or the next look for a parked case's order. */
export interface CaseTimer {
  kind: 'escalate' | 'park';
  caseId: string;
}

/** A call on a case's behalf: re-submitting it for review, or handing its success message over. */
export interface CaseCall {
  kind: 'resubmit' | 'deliver';
  caseId: string;
}

export interface AuditPorts {
  cases: CaseRepository;
  orders: B2bOrderRepository;
  policies: PolicyRepository;
  timers: Pick<TimerQueue<CaseTimer>, 'scheduleAt' | 'has' | 'cancel'>;
  calls: Pick<TimerQueue<CaseCall>, 'scheduleAt' | 'has'>;
  middleOffice: MiddleOffice;
  userSystem: UserSystem;
  clock(): Date;
  settings: {
    source: string;
    auditEventsTopic: string;
    parkRetrySeconds: number;
    parkGiveUpHours: number;
    callAttempts: number;
  };
}

/** Deterministic job ids: scheduling the same work twice (a retry, the reconciler) changes nothing. */
export const jobIds = {
  escalate: (c: Pick<AuditCase, 'caseId' | 'round'>) => `escalate.${c.caseId}.r${c.round}`,
  /** One look per retry period: the period's number is in the id. */
  park: (c: Pick<AuditCase, 'caseId'>, at: Date, periodSeconds: number) =>
    `park.${c.caseId}.t${Math.floor(at.getTime() / (periodSeconds * 1_000))}`,
  resubmit: (c: Pick<AuditCase, 'caseId' | 'version'>) => `resubmit.${c.caseId}.v${c.version}`,
  deliver: (c: Pick<AuditCase, 'caseId' | 'version'>) => `deliver.${c.caseId}.v${c.version}`,
};

/** Sets the timer or call a case needs in its status; what it needs nothing for is left alone. */
export async function scheduleFor(ports: AuditPorts, c: AuditCase): Promise<void> {
  switch (c.status) {
    case 'open':
      if (!c.escalatedAt && c.deadline)
        await ports.timers.scheduleAt(jobIds.escalate(c), c.deadline, { kind: 'escalate', caseId: c.caseId });
      return;
    case 'parked': {
      const at = new Date(ports.clock().getTime() + ports.settings.parkRetrySeconds * 1_000);
      await ports.timers.scheduleAt(jobIds.park(c, at, ports.settings.parkRetrySeconds), at, {
        kind: 'park',
        caseId: c.caseId,
      });
      return;
    }
    case 'resubmitting':
      await ports.calls.scheduleAt(jobIds.resubmit(c), ports.clock(), { kind: 'resubmit', caseId: c.caseId });
      return;
    case 'passed':
      await ports.calls.scheduleAt(jobIds.deliver(c), ports.clock(), { kind: 'deliver', caseId: c.caseId });
      return;
    default:
      return;
  }
}
