import { LocalizedText, ReasonType } from '@orderpulse/contracts';
import { z } from 'zod';

/** The facts a template may name; anything else in braces is refused when the policy is saved. */
export const templateFields = [
  'orderNo',
  'preOrderNo',
  'company',
  'account',
  'total',
  'items',
  'reason',
  'reasonType',
  'deadline',
  'shipTo',
  'handler',
] as const;
export type TemplateField = (typeof templateFields)[number];

/**
 * One classification rule: it matches a failure whose code is one of `codes` or starts with one
 * of `codePrefixes`, or whose text contains one of `keywords` (any case, zh-CN or en). Rules are
 * tried in order; the first that matches decides the type and is recorded on the case.
 */
export const ClassificationRule = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/),
    type: ReasonType,
    codes: z.array(z.string().min(1).max(64)).max(200).default([]),
    codePrefixes: z.array(z.string().min(1).max(64)).max(200).default([]),
    keywords: z.array(z.string().min(1).max(100)).max(500).default([]),
  })
  .refine((r) => r.codes.length + r.codePrefixes.length + r.keywords.length > 0, {
    message: 'a rule needs codes, code prefixes or keywords',
  });
export type ClassificationRule = z.infer<typeof ClassificationRule>;

export const Team = z.object({
  /** The team's handlers; a case goes to one of them, the same one for the same order. */
  handlers: z.array(z.string().min(1).max(64)).max(500),
  /** Who cases escalate to; also the handler when the team has none. */
  leadId: z.string().min(1).max(64),
});
export type Team = z.infer<typeof Team>;

export const ReasonTypeSettings = z.object({
  teamId: z.string().min(1).max(64),
  /** How long the docking person has to record a fix before the case escalates to the lead. */
  deadlineMinutes: z.number().min(0.05).max(43_200),
  /** The preset notification for this reason type, filled with the order's facts. */
  template: LocalizedText,
});

const placeholders = (text: string) => [...text.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1] ?? '');
const textsOf = (t: LocalizedText) => [t['zh-CN'].title, t['zh-CN'].body, t.en.title, t.en.body];

/** Everything that decides how an audit failure is handled, changed as a whole by an admin. */
export const AuditPolicy = z
  .object({
    rules: z.array(ClassificationRule).max(500),
    teams: z.record(z.string().min(1).max(64), Team),
    types: z.object(
      Object.fromEntries(ReasonType.options.map((t) => [t, ReasonTypeSettings])) as Record<
        ReasonType,
        typeof ReasonTypeSettings
      >,
    ),
    /** The audit-success message sent to the user system. */
    successMessage: LocalizedText,
  })
  .superRefine((policy, ctx) => {
    const ids = new Set<string>();
    policy.rules.forEach((rule, i) => {
      if (ids.has(rule.id))
        ctx.addIssue({ code: 'custom', message: `rule id ${rule.id} is used twice`, path: ['rules', i, 'id'] });
      ids.add(rule.id);
    });
    for (const type of ReasonType.options) {
      const settings = policy.types[type];
      if (!policy.teams[settings.teamId])
        ctx.addIssue({ code: 'custom', message: `no team ${settings.teamId}`, path: ['types', type, 'teamId'] });
      for (const name of textsOf(settings.template).flatMap(placeholders)) {
        if (!(templateFields as readonly string[]).includes(name))
          ctx.addIssue({ code: 'custom', message: `unknown placeholder {${name}}`, path: ['types', type, 'template'] });
      }
    }
    for (const name of textsOf(policy.successMessage).flatMap(placeholders)) {
      if (!(templateFields as readonly string[]).includes(name))
        ctx.addIssue({ code: 'custom', message: `unknown placeholder {${name}}`, path: ['successMessage'] });
    }
  });
export type AuditPolicy = z.infer<typeof AuditPolicy>;

const preset = (zhType: string, enType: string, zhAsk: string, enAsk: string): LocalizedText => ({
  'zh-CN': {
    title: `审核失败（${zhType}）：订单 {orderNo}`,
    body: `{company}（账号 {account}）的订单 {orderNo}，共{items}件，金额 {total}，未通过审核：{reason}。${zhAsk}请在 {deadline} 前处理。`,
  },
  en: {
    title: `Audit failed (${enType}): order {orderNo}`,
    body: `Order {orderNo} of {company} (account {account}), {items} item(s), {total}, failed review: {reason}. ${enAsk} Please fix it by {deadline}.`,
  },
});

/** The policy a new deployment starts with: reason codes first, then words in zh-CN and en. */
export const defaultPolicy: AuditPolicy = {
  rules: [
    { id: 'price-codes', type: 'price', codes: [], codePrefixes: ['PRC'], keywords: [] },
    { id: 'inventory-codes', type: 'inventory', codes: [], codePrefixes: ['INV', 'STK'], keywords: [] },
    { id: 'credit-codes', type: 'credit_terms', codes: [], codePrefixes: ['CRD', 'PAY'], keywords: [] },
    { id: 'address-codes', type: 'address', codes: [], codePrefixes: ['ADR'], keywords: [] },
    { id: 'qualification-codes', type: 'qualification', codes: [], codePrefixes: ['QLF'], keywords: [] },
    { id: 'product-codes', type: 'product_data', codes: [], codePrefixes: ['PRD', 'SKU'], keywords: [] },
    {
      id: 'price-words',
      type: 'price',
      codes: [],
      codePrefixes: [],
      keywords: ['price', 'pricing', 'discount', '价格', '单价', '报价', '底价', '折扣'],
    },
    {
      id: 'inventory-words',
      type: 'inventory',
      codes: [],
      codePrefixes: [],
      keywords: ['stock', 'inventory', '库存', '缺货', '无货'],
    },
    {
      id: 'credit-words',
      type: 'credit_terms',
      codes: [],
      codePrefixes: [],
      keywords: ['credit', 'payment term', 'overdue', '信用', '额度', '账期', '付款'],
    },
    {
      id: 'address-words',
      type: 'address',
      codes: [],
      codePrefixes: [],
      keywords: ['address', 'delivery area', 'ship-to', '收货地址', '地址', '配送范围'],
    },
    {
      id: 'qualification-words',
      type: 'qualification',
      codes: [],
      codePrefixes: [],
      keywords: ['qualification', 'licen', 'certificate', '资质', '营业执照', '证照'],
    },
    {
      id: 'product-words',
      type: 'product_data',
      codes: [],
      codePrefixes: [],
      keywords: ['product data', 'sku', 'specification', '商品信息', '规格', '物料', '编码'],
    },
  ],
  teams: {
    pricing: { handlers: [], leadId: 'pricing-lead' },
    supply: { handlers: [], leadId: 'supply-lead' },
    finance: { handlers: [], leadId: 'finance-lead' },
    service: { handlers: [], leadId: 'service-lead' },
  },
  types: {
    price: {
      teamId: 'pricing',
      deadlineMinutes: 120,
      template: preset('价格', 'price', '请核对合同价并修正。', 'Check the contract price and correct it.'),
    },
    inventory: {
      teamId: 'supply',
      deadlineMinutes: 240,
      template: preset(
        '库存',
        'inventory',
        '请确认可用库存或调整数量。',
        'Confirm available stock or adjust the quantities.',
      ),
    },
    credit_terms: {
      teamId: 'finance',
      deadlineMinutes: 480,
      template: preset(
        '信用/账期',
        'credit or payment terms',
        '请核对客户额度与账期。',
        'Check the customer’s credit limit and payment terms.',
      ),
    },
    address: {
      teamId: 'service',
      deadlineMinutes: 120,
      template: preset(
        '收货地址',
        'receiving address',
        '请与客户确认收货地址。',
        'Confirm the receiving address with the customer.',
      ),
    },
    qualification: {
      teamId: 'service',
      deadlineMinutes: 1_440,
      template: preset(
        '客户资质',
        'customer qualification',
        '请补齐客户资质材料。',
        'Complete the customer’s qualification documents.',
      ),
    },
    product_data: {
      teamId: 'supply',
      deadlineMinutes: 240,
      template: preset('商品信息', 'product data', '请修正商品主数据。', 'Correct the product master data.'),
    },
    other: {
      teamId: 'service',
      deadlineMinutes: 240,
      template: preset('其他', 'other', '请查明原因。', 'Find the cause.'),
    },
  },
  successMessage: {
    'zh-CN': {
      title: '订单 {orderNo} 已通过审核',
      body: '{company}，您的订单 {orderNo}（共{items}件，{total}）已通过审核，无需重新提交。',
    },
    en: {
      title: 'Order {orderNo} passed review',
      body: '{company}, your order {orderNo} ({items} item(s), {total}) has passed review. There is no need to submit it again.',
    },
  },
};
