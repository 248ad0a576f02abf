import { z } from 'zod';

import { LocalizedText, ReasonType } from '../events/audit-case.events';
import { B2bOrder } from '../events/b2b-order-confirmed.event';

/** A time the route holds as a `Date`, as it goes on the wire: an RFC 3339 string, UTC. */
const Instant = z.preprocess((value) => (value instanceof Date ? value.toISOString() : value), z.iso.datetime());

/** Where an audit case stands, from the failure's intake to the success message delivered. */
export const AuditCaseStatus = z
  .enum(['parked', 'unmatched', 'open', 'resubmitting', 'resubmit_failed', 'passed', 'closed'])
  .describe(
    '`parked`: its order is not known yet (retried); `unmatched`: retries gave up, still matched if the order arrives; `open`: with its docking person until a fix is recorded; `resubmitting`: the fix is recorded and the order is being re-submitted; `resubmit_failed`: the middle office would not take it, back with the handler; `passed`: the review passed, the success message is on its way; `closed`: the user system has it',
  );
export type AuditCaseStatus = z.infer<typeof AuditCaseStatus>;

/** What happened to an audit case, as its history names each step. */
export const AuditCaseAction = z.enum([
  'received',
  'parked',
  'unmatched',
  'opened',
  'failed_again',
  'escalated',
  'fix_recorded',
  'resubmitted',
  'resubmit_failed',
  'passed',
  'delivered',
]);
export type AuditCaseAction = z.infer<typeof AuditCaseAction>;

/** One step of a case's history: what happened, who did it, and the status it left the case in. */
export const AuditCaseHistoryEntry = z.object({
  at: Instant,
  action: AuditCaseAction,
  by: z.object({ role: z.enum(['system', 'handler', 'admin', 'middle-office']), subject: z.string() }),
  status: AuditCaseStatus.describe('the status after this step'),
  note: z.string().optional().describe('the failure’s reason text, the handler’s fix, or why a call failed'),
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});

/** An audit case as a list shows it: everything but its history. */
export const AuditCaseSummary = z.object({
  caseId: z.string(),
  version: z.number().int().min(1).describe('one more for each change'),
  status: AuditCaseStatus,
  round: z.number().int().min(1).describe('1 for the first failure; one more for each failed re-review'),
  notificationIds: z
    .array(z.string())
    .describe('every middle-office notification the case has absorbed, the one that opened it first'),
  target: z
    .object({ orderNo: z.string().optional(), preOrderNo: z.string().optional() })
    .describe('the order as the first notification named it'),
  order: B2bOrder.optional().describe('the order, once it is known'),
  reason: z
    .object({ code: z.string().optional(), text: z.string() })
    .describe('the middle office’s reason code and text'),
  reasonType: ReasonType.optional().describe('the type the classification rules gave the reason'),
  ruleId: z.string().optional().describe('the classification rule that matched, `fallback` when none did'),
  policyVersion: z.number().int().optional().describe('the version of the audit policy that routed the case'),
  handlerId: z.string().optional().describe('the docking person, who records the fix'),
  leadId: z.string().optional().describe('who the case escalates to at its deadline'),
  teamId: z.string().optional(),
  deadline: Instant.optional().describe('when the case escalates unless a fix is recorded'),
  overdue: z.boolean().describe('a fix is owed and the deadline has passed'),
  escalatedAt: Instant.optional(),
  parkedReason: z.string().optional().describe('why the case waits: the order it names is not known yet'),
  parkedUntil: Instant.optional().describe('when a parked case stops being retried and becomes `unmatched`'),
  resolution: z
    .object({ note: z.string(), by: z.string().describe('who recorded it'), at: Instant })
    .optional()
    .describe('the fix, as recorded'),
  lastResubmitError: z.string().optional().describe('why the last re-submission failed'),
  passedAt: Instant.optional(),
  successMessage: LocalizedText.optional().describe('the audit-success message as sent to the user system'),
  deliveredAt: Instant.optional().describe('when the user system took the success message'),
  receivedAt: Instant.describe('when the first notification arrived'),
  updatedAt: Instant,
});

/** One audit case with its history, oldest step first. */
export const AuditCaseView = AuditCaseSummary.extend({ history: z.array(AuditCaseHistoryEntry) });

/** A page of cases, newest first. */
export const AuditCaseList = z.object({
  cases: z.array(AuditCaseSummary),
  next: z.string().optional().describe('the `cursor` of the next page; absent when the page is not full'),
});

/** The webhook's receipt of a failure notification. */
export const AuditFailureReceipt = z.object({
  caseId: z.string(),
  status: AuditCaseStatus,
  duplicate: z.boolean().describe('the notification was taken before (on Kafka or this webhook): nothing changed'),
});

/** A classification rule: codes, code prefixes or words (any case) that give a failure its reason type. */
export const ClassificationRuleView = z.object({
  id: z.string(),
  type: ReasonType,
  codes: z.array(z.string()),
  codePrefixes: z.array(z.string()),
  keywords: z.array(z.string()),
});

/** Everything that decides how a failure is handled: rules tried in order, teams, and per reason type its team, deadline and message. */
export const AuditPolicyView = z.object({
  rules: z.array(ClassificationRuleView).describe('tried in order; the first that matches decides'),
  teams: z.record(
    z.string(),
    z.object({
      handlers: z.array(z.string()),
      leadId: z.string().describe('who cases escalate to; also the handler when the team has none'),
    }),
  ),
  types: z.record(
    ReasonType,
    z.object({
      teamId: z.string(),
      deadlineMinutes: z.number().describe('minutes the docking person has to record a fix before the case escalates'),
      template: LocalizedText.describe('the preset message, with `{orderNo}`-style placeholders filled from the order'),
    }),
  ),
  successMessage: LocalizedText.describe('the audit-success message for the user system, with placeholders'),
});

/** The audit policy in force and its version: the `expectedVersion` of the next change. */
export const AuditPolicyState = z.object({
  version: z.number().int().min(0).describe('0 for the built-in default'),
  policy: AuditPolicyView,
  updatedAt: Instant.optional(),
  updatedBy: z.string().optional().describe('the admin who saved it'),
});

/** A customer account's own docking person, who gets its cases whatever their type. */
export const AccountDockingView = z.object({
  customerAccount: z.string(),
  handlerId: z.string(),
  leadId: z.string().optional().describe('who its cases escalate to; else the reason type’s team lead'),
});
