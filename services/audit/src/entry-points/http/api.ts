import {
  AccountDockingView,
  AuditCaseList,
  AuditCaseView,
  AuditFailed,
  AuditFailure,
  AuditFailureReceipt,
  AuditPolicyState,
  B2bOrder,
} from '@orderpulse/contracts';
import type { ApiInfo, ApiRoutes } from '@orderpulse/service-kit';

import { defaultPolicy } from '../../domain/audit-policy';
import { AccountBody, AccountParam, CaseIdParam, CaseListQuery, FixBody, OrderNoParam, PolicyBody } from './schemas';

const auditCase = (description: string) => ({ description, schema: AuditCaseView });
const policy = (description: string) => ({ description, schema: AuditPolicyState });
const account = (description: string) => ({ description, schema: AccountDockingView });

export const auditApiInfo: ApiInfo = {
  title: 'orderpulse audit service',
  version: '1.0.0',
  description:
    'B2B audit failures (seed 003). The middle office reports a failed review (its signed webhook or Kafka); the failure is matched to its order, classified by the policy’s rules, and sent to the order’s docking person with the preset message of its reason type. The handler records the fix; the service re-submits the order for review itself, and once it passes tells the user system, so the buyer never submits again. A case nobody fixes by its deadline escalates to the team lead.',
};

/** Every route of the audit service. */
export const auditApi: ApiRoutes = {
  'POST /v1/audit/failures': {
    tag: 'intake',
    summary: 'Report an audit failure (middle-office webhook)',
    description:
      'Signed instead of a bearer token: `X-Orderpulse-Timestamp` is Unix seconds, at most 300 s (by default) from the service’s clock, and `X-Orderpulse-Signature` is `v1=` and the hex HMAC-SHA256, under the shared secret, of `<timestamp>.<raw body>`; a call that fails the check is a 401. Idempotent by `notificationId`, across this webhook and Kafka: a notification taken before answers 200 with `duplicate: true`. A notification for an order not known yet parks its case until the order arrives.',
    roles: [],
    headers: {
      'X-Orderpulse-Timestamp': { description: 'Unix seconds when the call was signed.', required: true },
      'X-Orderpulse-Signature': { description: '`v1=<hex HMAC-SHA256 of "<timestamp>.<raw body>">`.', required: true },
    },
    body: AuditFailure,
    example: AuditFailed.example,
    answers: {
      202: {
        description: 'Taken: a case was opened, parked, or the failure joined its order’s open case.',
        schema: AuditFailureReceipt,
      },
      200: { description: 'Taken before; nothing changed.', schema: AuditFailureReceipt },
    },
    problems: [401],
  },
  'GET /v1/audit/cases': {
    tag: 'cases',
    summary: 'List cases',
    description:
      'Newest first, in pages of `limit` (1–200, default 50); `cursor` is the `next` of the previous page. Filters: `status` (comma-separated), `type` (reason type), `handler` (a handler id, or `me`), `overdue=true` (a fix is owed past its deadline). A handler sees the cases it docks or leads, and every parked or unmatched one; an admin sees all. Listed cases carry no history.',
    roles: ['handler', 'admin'],
    query: CaseListQuery,
    answers: { 200: { description: 'A page of cases.', schema: AuditCaseList } },
  },
  'GET /v1/audit/cases/:caseId': {
    tag: 'cases',
    summary: 'Read a case with its history',
    description:
      'A case the handler may not see (neither its docking person nor its lead, and not parked) is reported missing.',
    roles: ['handler', 'admin'],
    params: CaseIdParam,
    answers: { 200: auditCase('The case.') },
    problems: [404],
  },
  'POST /v1/audit/cases/:caseId/fix': {
    tag: 'cases',
    summary: 'Record the fix',
    description:
      'By the case’s docking person, its lead or an admin, while the case is `open` or `resubmit_failed` (else 409). The case goes to `resubmitting`: the service re-submits the order to the middle office itself, and its escalation is called off.',
    roles: ['handler', 'admin'],
    params: CaseIdParam,
    body: FixBody,
    example: { note: 'Unit price corrected to the contract price of 23.50 CNY.' },
    answers: { 202: auditCase('Recorded; the re-submission is under way.') },
    problems: [404, 409],
  },
  'GET /v1/audit/orders/:orderNo': {
    tag: 'cases',
    summary: 'Read a B2B order',
    description: 'The order as the trading platform confirmed it (its latest confirmation), by order number.',
    roles: ['handler', 'admin'],
    params: OrderNoParam,
    answers: { 200: { description: 'The order.', schema: B2bOrder } },
    problems: [404],
  },
  'GET /v1/audit/policy': {
    tag: 'policy',
    summary: 'Read the audit policy',
    description:
      'The classification rules, the teams, and per reason type its team, deadline and preset message. Version 0 is the built-in default.',
    roles: ['admin', 'handler'],
    answers: { 200: policy('The policy in force.') },
  },
  'PUT /v1/audit/policy': {
    tag: 'policy',
    summary: 'Replace the audit policy',
    description:
      'As a whole, from the version read: a policy changed meanwhile answers 409 with the current `version`. Rule ids are unique; every reason type (`price`, `inventory`, `credit_terms`, `address`, `qualification`, `product_data`, `other`) names an existing team; templates may use only `{orderNo}`, `{preOrderNo}`, `{company}`, `{account}`, `{total}`, `{items}`, `{reason}`, `{reasonType}`, `{deadline}`, `{shipTo}` and `{handler}`. At most 1 MiB.',
    roles: ['admin'],
    body: PolicyBody,
    example: { expectedVersion: 0, policy: defaultPolicy },
    answers: { 200: policy('Saved; `version` is the new version.') },
    problems: [409],
  },
  'PUT /v1/audit/accounts/:customerAccount': {
    tag: 'policy',
    summary: 'Give a customer account its own docking person',
    description:
      'Its cases go to `handlerId` whatever their reason type, and escalate to `leadId` (else to the reason type’s team lead).',
    roles: ['admin'],
    params: AccountParam,
    body: AccountBody,
    example: { handlerId: 'kam-7', leadId: 'kam-lead' },
    answers: { 201: account('Set.'), 200: account('Replaced.') },
  },
  'DELETE /v1/audit/accounts/:customerAccount': {
    tag: 'policy',
    summary: 'Take a customer account’s docking person away',
    description: 'Its later cases go to the reason type’s team.',
    roles: ['admin'],
    params: AccountParam,
    answers: { 204: { description: 'Removed.' } },
    problems: [404],
  },
};
