import {
  type AuditCaseAction,
  AuditCaseStatus,
  type B2bOrder,
  type LocalizedText,
  type ReasonType,
} from '@orderpulse/contracts';

/**
 * - `parked`: the order it names is not known yet; retried, and matched when the order arrives.
 * - `unmatched`: retries gave up; still matched if the order ever arrives.
 * - `open`: with its docking person, until a fix is recorded (escalates at the deadline).
 * - `resubmitting`: the fix is recorded and the order is being re-submitted for review.
 * - `resubmit_failed`: the middle office would not take it; back with the handler.
 * - `passed`: the review passed; the success message is on its way to the user system.
 * - `closed`: the user system has the success message.
 */
export const caseStatuses = AuditCaseStatus.options;
export type CaseStatus = AuditCaseStatus;

/** Statuses in which a case stands for its order: a further failure joins it instead of opening another. */
export const activeStatuses: readonly CaseStatus[] = ['open', 'resubmitting', 'resubmit_failed'];
/** Statuses in which the handler owes a fix, and so can be overdue. */
export const awaitingFix: readonly CaseStatus[] = ['open', 'resubmit_failed'];

/** Who acted on a case: a handler, an admin, the middle office or the service itself. */
export interface Actor {
  role: 'system' | 'handler' | 'admin' | 'middle-office';
  subject: string;
}

export interface CaseHistoryEntry {
  at: Date;
  action: AuditCaseAction;
  by: Actor;
  status: CaseStatus;
  note?: string;
  details?: Record<string, string | number | boolean>;
}

export interface FailureReason {
  code?: string | undefined;
  text: string;
}

export interface AuditCase {
  caseId: string;
  version: number;
  status: CaseStatus;
  /** 1 for the first failure; one more for each failed re-review. */
  round: number;
  /** Every notification this case has absorbed (the first one made it). */
  notificationIds: string[];
  /** The order as the first notification named it. */
  target: { orderNo?: string | undefined; preOrderNo?: string | undefined };
  order?: B2bOrder | undefined;
  reason: FailureReason;
  reasonType?: ReasonType | undefined;
  ruleId?: string | undefined;
  policyVersion?: number | undefined;
  handlerId?: string | undefined;
  leadId?: string | undefined;
  teamId?: string | undefined;
  deadline?: Date | undefined;
  escalatedAt?: Date | undefined;
  parkedReason?: string | undefined;
  /** When a parked case stops being retried and becomes `unmatched`. */
  parkedUntil?: Date | undefined;
  resolution?: { note: string; by: string; at: Date } | undefined;
  lastResubmitError?: string | undefined;
  passedAt?: Date | undefined;
  /** The audit-success message as published when the review passed; delivered to the user system as it was. */
  successMessage?: LocalizedText | undefined;
  deliveredAt?: Date | undefined;
  receivedAt: Date;
  updatedAt: Date;
  history: CaseHistoryEntry[];
}

/** Overdue: the handler owes a fix and the deadline has passed. */
export function isOverdue(c: Pick<AuditCase, 'status' | 'deadline'>, now: Date): boolean {
  return awaitingFix.includes(c.status) && c.deadline !== undefined && c.deadline.getTime() <= now.getTime();
}

/** Who may record a fix: the docking person, the lead it escalates to, or an admin. */
export function mayResolve(
  c: Pick<AuditCase, 'handlerId' | 'leadId'>,
  who: { role: string; subject: string },
): boolean {
  return who.role === 'admin' || (who.role === 'handler' && (who.subject === c.handlerId || who.subject === c.leadId));
}

/** Who may see a case: those who may resolve it, and any handler while it has nobody (parked). */
export function maySee(
  c: Pick<AuditCase, 'handlerId' | 'leadId' | 'status'>,
  who: { role: string; subject: string },
): boolean {
  return mayResolve(c, who) || (who.role === 'handler' && (c.status === 'parked' || c.status === 'unmatched'));
}

/** A case id made from the notification that opened it, so intake is idempotent by notification id. */
export function caseIdFor(notificationId: string, hash: (s: string) => string): string {
  return `ac_${hash(notificationId).slice(0, 24)}`;
}

/** What every case event says of its case: ids, round, the order, the reason type and who answers for it. */
export function caseRef(c: AuditCase, order: B2bOrder) {
  return {
    caseId: c.caseId,
    round: c.round,
    orderNo: order.orderNo,
    ...(order.preOrderNo ? { preOrderNo: order.preOrderNo } : {}),
    customerAccount: order.customerAccount,
    reasonType: c.reasonType ?? ('other' as const),
    handlerId: c.handlerId ?? '',
    leadId: c.leadId ?? '',
  };
}
