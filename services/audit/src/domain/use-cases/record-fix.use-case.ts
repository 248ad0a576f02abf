import { AppError } from '@orderpulse/service-kit';

import { type AuditCase, mayResolve, maySee } from '../audit-case';
import { caseStep, decideCase } from '../case-lifecycle';
import { type AuditPorts, jobIds, scheduleFor } from './ports';

export interface FixRequest {
  caseId: string;
  note: string;
  by: { role: string; subject: string };
}

/**
 * The handler has fixed the cause: the case is re-submitted to the middle office by the
 * service itself, so the buyer never submits again. The escalation timer is dropped.
 */
export async function recordFix(ports: AuditPorts, request: FixRequest): Promise<AuditCase> {
  const c = await ports.cases.get(request.caseId);
  if (!c || !maySee(c, request.by)) throw AppError.notFound('case', { caseId: request.caseId });
  if (!mayResolve(c, request.by))
    throw new AppError('FORBIDDEN', 'only the case’s docking person, its lead or an admin may record the fix');
  const by = {
    role: request.by.role === 'admin' ? ('admin' as const) : ('handler' as const),
    subject: request.by.subject,
  };
  if (!decideCase(c.status, 'fix_recorded', by.role).ok) {
    throw new AppError('CONFLICT', `the case is ${c.status}; a fix can be recorded only while it is open`, {
      caseStatus: c.status,
      version: c.version,
    });
  }
  const now = ports.clock();
  const step = caseStep(c.status, { action: 'fix_recorded', by, at: now, note: request.note });
  const updated = await ports.cases.update(
    c,
    {
      set: { status: step.status, resolution: { note: request.note, by: request.by.subject, at: now }, updatedAt: now },
      unset: ['lastResubmitError'],
      history: step.history,
    },
    [],
  );
  if (!updated) {
    const latest = await ports.cases.get(c.caseId);
    throw new AppError('CONFLICT', `the case changed meanwhile; it is now ${latest?.status ?? 'gone'}`, {
      caseStatus: latest?.status,
      version: latest?.version,
    });
  }
  await ports.timers.cancel(jobIds.escalate(c));
  await scheduleFor(ports, updated);
  return updated;
}
