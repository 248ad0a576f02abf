import type { Actor, CaseHistoryEntry, CaseStatus } from './audit-case';

/** What happens to an audit case, as its history names it. */
export type CaseAction = CaseHistoryEntry['action'];

/** One edge of the lifecycle: an action, the statuses it is taken from and the one it leads to, and who takes it. */
export interface CaseTransition {
  action: CaseAction;
  /** Statuses it is taken from; `null` for a case being created. */
  from: readonly (CaseStatus | null)[];
  /** Where it leads; `same` keeps the status (the step is a note in the history). */
  to: CaseStatus | 'same';
  by: readonly Actor['role'][];
}

/**
 * The audit case's lifecycle (seed 003: a failure notice reaches the order's docking person, the
 * fix is re-audited with retries, and the success message goes back to the user system), declared
 * as orders' is in `order-state-machine.ts`. Every status a case is written with comes from here,
 * through {@link caseStep}. `closed` is the end.
 */
export const caseTransitions: readonly CaseTransition[] = [
  // A notice for an order not known yet waits for it; one for a known order goes to its docking person.
  { action: 'parked', from: [null], to: 'parked', by: ['middle-office'] },
  { action: 'opened', from: [null, 'parked', 'unmatched'], to: 'open', by: ['middle-office'] },
  { action: 'unmatched', from: ['parked'], to: 'unmatched', by: ['system'] },
  // A further failure while a fix is owed (or before the order is known) is noted on the case that stands…
  { action: 'failed_again', from: ['open', 'resubmitting', 'resubmit_failed'], to: 'same', by: ['middle-office'] },
  // …after a fix it starts the next round, with the docking person again…
  { action: 'failed_again', from: ['resubmitting', 'resubmit_failed'], to: 'open', by: ['middle-office', 'system'] },
  // …and a parked case whose order meanwhile got a case of its own is folded into that one.
  { action: 'failed_again', from: ['parked', 'unmatched'], to: 'closed', by: ['system'] },
  { action: 'escalated', from: ['open', 'resubmit_failed'], to: 'same', by: ['system'] },
  { action: 'fix_recorded', from: ['open', 'resubmit_failed'], to: 'resubmitting', by: ['handler', 'admin'] },
  { action: 'resubmit_failed', from: ['resubmitting'], to: 'resubmit_failed', by: ['system'] },
  { action: 'passed', from: ['resubmitting'], to: 'passed', by: ['middle-office'] },
  // The user system did not take the success message: noted, and tried again by the reconciler.
  { action: 'passed', from: ['passed'], to: 'same', by: ['system'] },
  { action: 'delivered', from: ['passed'], to: 'closed', by: ['system'] },
];

export type CaseDecision = { ok: true; to: CaseStatus } | { ok: false; message: string };

/**
 * Whether `by` may take `action` on a case that is `from` (`null`: being created), leading to
 * `to` — named when the action has more than one edge from that status (`failed_again`), else
 * the table's. Pure.
 */
export function decideCase(
  from: CaseStatus | null,
  action: CaseAction,
  by: Actor['role'],
  to?: CaseStatus,
): CaseDecision {
  const leads = (t: CaseTransition) => (t.to === 'same' ? from : t.to);
  const edges = caseTransitions.filter(
    (t) => t.action === action && t.from.includes(from) && (to === undefined || leads(t) === to),
  );
  const taken = edges.find((t) => t.by.includes(by));
  const target = taken ? leads(taken) : null;
  if (taken && target !== null && (to !== undefined || edges.length === 1)) return { ok: true, to: target };
  const what = `${action}${to ? ` (to ${to})` : ''} on a case that is ${from ?? 'new'}`;
  if (edges.length === 0) return { ok: false, message: `a case cannot take ${what}` };
  if (!taken) return { ok: false, message: `the ${by} cannot take ${what}` };
  return { ok: false, message: `${what} leads to more than one status; name the one meant` };
}

/**
 * One step of a case's lifecycle, checked against {@link caseTransitions}: the status to write and
 * its history entry. Throws when the table does not allow it — a use case asking for a step its
 * own checks should have ruled out, never the caller's input.
 */
export function caseStep(
  from: CaseStatus | null,
  step: {
    action: CaseAction;
    by: Actor;
    at: Date;
    to?: CaseStatus;
    note?: string | undefined;
    details?: CaseHistoryEntry['details'];
  },
): { status: CaseStatus; history: CaseHistoryEntry } {
  const decision = decideCase(from, step.action, step.by.role, step.to);
  if (!decision.ok) throw new Error(`audit case lifecycle: ${decision.message}`);
  const history: CaseHistoryEntry = {
    at: step.at,
    action: step.action,
    by: step.by,
    status: decision.to,
    ...(step.note !== undefined ? { note: step.note } : {}),
    ...(step.details ? { details: step.details } : {}),
  };
  return { status: decision.to, history };
}
