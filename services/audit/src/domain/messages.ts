import type { B2bOrder, LocalizedText, ReasonType } from '@orderpulse/contracts';

import type { TemplateField } from './audit-policy';

const reasonTypeNames: Record<ReasonType, { 'zh-CN': string; en: string }> = {
  price: { 'zh-CN': '价格', en: 'price' },
  inventory: { 'zh-CN': '库存', en: 'inventory' },
  credit_terms: { 'zh-CN': '信用/账期', en: 'credit or payment terms' },
  address: { 'zh-CN': '收货地址', en: 'receiving address' },
  qualification: { 'zh-CN': '客户资质', en: 'customer qualification' },
  product_data: { 'zh-CN': '商品信息', en: 'product data' },
  other: { 'zh-CN': '其他', en: 'other' },
};

function money(amount: number, currency: string): string {
  return `${currency} ${(amount / 100).toFixed(2)}`;
}

function when(at: Date, locale: 'zh-CN' | 'en'): string {
  // Handlers work in China Standard Time; the zone is written out so nobody has to guess.
  const text = new Intl.DateTimeFormat(locale === 'en' ? 'en-GB' : 'zh-CN', {
    timeZone: 'Asia/Shanghai',
    dateStyle: 'short',
    timeStyle: 'short',
  }).format(at);
  return `${text} (UTC+8)`;
}

export interface MessageFacts {
  order: B2bOrder;
  reason?: string | undefined;
  reasonType?: ReasonType | undefined;
  deadline?: Date | undefined;
  handlerId?: string | undefined;
}

/** Fills `{field}` placeholders with the order's facts, in each locale. Pure. */
export function fillTemplate(template: LocalizedText, facts: MessageFacts): LocalizedText {
  const fill = (text: string, locale: 'zh-CN' | 'en') => {
    const values: Record<TemplateField, string> = {
      orderNo: facts.order.orderNo,
      preOrderNo: facts.order.preOrderNo ?? '—',
      company: facts.order.buyer.company,
      account: facts.order.customerAccount,
      total: money(facts.order.total, facts.order.currency),
      items: String(facts.order.lines.reduce((n, l) => n + l.quantity, 0)),
      reason: facts.reason ?? '—',
      reasonType: facts.reasonType ? reasonTypeNames[facts.reasonType][locale] : '—',
      deadline: facts.deadline ? when(facts.deadline, locale) : '—',
      shipTo: facts.order.shipTo.line,
      handler: facts.handlerId ?? '—',
    };
    return text.replace(/\{([a-zA-Z]+)\}/g, (whole, name: string) =>
      name in values ? values[name as TemplateField] : whole,
    );
  };
  return {
    'zh-CN': { title: fill(template['zh-CN'].title, 'zh-CN'), body: fill(template['zh-CN'].body, 'zh-CN') },
    en: { title: fill(template.en.title, 'en'), body: fill(template.en.body, 'en') },
  };
}

/** What the lead is told when a case passes its deadline. */
export const escalationTemplate: LocalizedText = {
  'zh-CN': {
    title: '审核失败已超时：订单 {orderNo}',
    body: '{company} 的订单 {orderNo}（{reasonType}）已超过处理时限 {deadline}，负责人 {handler} 尚未处理。原因：{reason}',
  },
  en: {
    title: 'Overdue audit failure: order {orderNo}',
    body: 'Order {orderNo} of {company} ({reasonType}) passed its deadline {deadline} without a fix from {handler}. Reason: {reason}',
  },
};

/** What the handler is told when the middle office will not take the fixed order. */
export const resubmissionFailedTemplate: LocalizedText = {
  'zh-CN': {
    title: '重新提交审核失败：订单 {orderNo}',
    body: '订单 {orderNo} 重新提交中台审核未成功：{reason}。请检查后再次处理。',
  },
  en: {
    title: 'Re-submission failed: order {orderNo}',
    body: 'Re-submitting order {orderNo} to the middle office failed: {reason}. Please check and record the fix again.',
  },
};
