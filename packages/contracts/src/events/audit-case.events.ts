import { z } from 'zod';

import { defineEvent } from '../define-event';
import { Topics } from '../topics';
import { B2bOrder, exampleB2bOrder } from './b2b-order-confirmed.event';

/** The kinds of audit failure the audit service tells apart; each has its team, template and deadline. */
export const ReasonType = z.enum([
  'price',
  'inventory',
  'credit_terms',
  'address',
  'qualification',
  'product_data',
  'other',
]);
export type ReasonType = z.infer<typeof ReasonType>;

const Text = z.object({ title: z.string(), body: z.string() });
/** A message already filled with the order's facts, in each locale; the recipient's locale picks one. */
export const LocalizedText = z.object({ 'zh-CN': Text, en: Text });
export type LocalizedText = z.infer<typeof LocalizedText>;

const CaseRef = z.object({
  caseId: z.string(),
  round: z.number().int().min(1).describe('1 for the first failure; one more for each failed re-review'),
  orderNo: z.string(),
  preOrderNo: z.string().optional(),
  customerAccount: z.string(),
  reasonType: ReasonType,
  handlerId: z.string().describe('the order docking person'),
  leadId: z.string().describe('who the case escalates to'),
});

const exampleRef = {
  caseId: 'ac_5f0c2e9b7d1a4c3e8b6f',
  round: 1,
  orderNo: 'SO-2026-000123',
  customerAccount: 'acct-4711',
  reasonType: 'price' as const,
  handlerId: 'h-pricing-1',
  leadId: 'h-pricing-lead',
};
const exampleNotice = {
  'zh-CN': {
    title: '审核失败：价格 SO-2026-000123',
    body: 'Hangzhou Lakeside Hotels 的订单 SO-2026-000123 因价格问题未通过审核。',
  },
  en: {
    title: 'Audit failed: price, SO-2026-000123',
    body: 'Order SO-2026-000123 of Hangzhou Lakeside Hotels failed review on price.',
  },
};

/** A failed review reached its docking person, with the preset message for its reason type. */
export const AuditCaseOpened = defineEvent({
  type: 'audit.case-opened',
  version: 1,
  topic: Topics.auditEvents,
  summary:
    'An audit failure was matched to its order, classified, and sent to the order’s docking person with the preset message.',
  schema: CaseRef.extend({
    reason: z.object({ code: z.string().optional(), text: z.string() }),
    ruleId: z.string().describe('the classification rule that matched'),
    deadline: z.iso.datetime().describe('when the case escalates unless the handler has recorded a fix'),
    notice: LocalizedText,
  }),
  example: {
    ...exampleRef,
    reason: { code: 'PRC-002', text: 'Unit price below the contract floor price' },
    ruleId: 'price-codes',
    deadline: '2026-11-21T10:05:00.000Z',
    notice: exampleNotice,
  },
});

/** Nobody recorded a fix before the deadline: the lead is told. */
export const AuditCaseEscalated = defineEvent({
  type: 'audit.case-escalated',
  version: 1,
  topic: Topics.auditEvents,
  summary: 'A case passed its deadline without a fix and was escalated to the team lead.',
  schema: CaseRef.extend({ deadline: z.iso.datetime(), notice: LocalizedText }),
  example: { ...exampleRef, deadline: '2026-11-21T10:05:00.000Z', notice: exampleNotice },
});

/** The middle office would not take the re-submission (it refused it outright, or never answered). */
export const AuditResubmissionFailed = defineEvent({
  type: 'audit.resubmission-failed',
  version: 1,
  topic: Topics.auditEvents,
  summary: 'Re-submitting the fixed order to the middle office failed for good; the handler is told why.',
  schema: CaseRef.extend({ reason: z.string(), notice: LocalizedText }),
  example: { ...exampleRef, reason: 'middle office answered 400: unknown order', notice: exampleNotice },
});

/**
 * The audit-success message for the user system (the "first server"): built from the order's
 * own information, so the buyer is told the order passed and never submits it again.
 */
export const AuditPassed = defineEvent({
  type: 'audit.passed',
  version: 1,
  topic: Topics.auditEvents,
  summary: 'The re-submitted order passed the middle office’s review; carries the order and the success message.',
  schema: CaseRef.extend({
    order: B2bOrder,
    passedAt: z.iso.datetime(),
    message: LocalizedText,
  }),
  example: {
    ...exampleRef,
    order: exampleB2bOrder,
    passedAt: '2026-11-21T09:30:00.000Z',
    message: {
      'zh-CN': { title: '订单 SO-2026-000123 审核通过', body: '您的订单已通过审核，无需重新提交。' },
      en: {
        title: 'Order SO-2026-000123 passed review',
        body: 'Your order passed review; there is no need to submit it again.',
      },
    },
  },
});
