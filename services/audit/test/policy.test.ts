import type { ReasonType } from '@orderpulse/contracts';

import { AuditPolicy, defaultPolicy } from '../src/domain/audit-policy';
import { routeRound } from '../src/domain/case-routing';
import { classify } from '../src/domain/classification';
import { dockingFor } from '../src/domain/docking';
import { fillTemplate } from '../src/domain/messages';
import { b2bOrder, testPolicy } from './support/audit-harness';

describe('classifying a failure reason', () => {
  const cases: [string | undefined, string, ReasonType, string][] = [
    ['PRC-002', 'below floor', 'price', 'price-codes'],
    [undefined, '单价低于合同底价', 'price', 'price-words'],
    [undefined, 'Requested quantity exceeds available stock', 'inventory', 'inventory-words'],
    ['INV-9', '—', 'inventory', 'inventory-codes'],
    [undefined, '客户信用额度不足', 'credit_terms', 'credit-words'],
    [undefined, 'Payment terms expired', 'credit_terms', 'credit-words'],
    [undefined, '收货地址不在配送范围', 'address', 'address-words'],
    [undefined, 'Business licence has expired', 'qualification', 'qualification-words'],
    [undefined, '商品规格与主数据不符', 'product_data', 'product-words'],
    ['ZZZ-1', 'Something nobody foresaw', 'other', 'fallback'],
  ];

  test.each(cases)('code %s with text "%s" is %s by rule %s', (code, text, type, ruleId) => {
    expect(classify({ code, text }, defaultPolicy.rules)).toEqual({ type, ruleId });
  });

  test('a code rule wins over words that point elsewhere, because rules are tried in order', () => {
    expect(classify({ code: 'ADR-1', text: 'price mismatch' }, defaultPolicy.rules)).toEqual({
      type: 'address',
      ruleId: 'address-codes',
    });
  });
});

describe('finding the docking person', () => {
  const policy = testPolicy();

  test('a customer account with its own docking person gets that person, and the team lead above', () => {
    expect(dockingFor('SO-1', 'acct-1', 'price', policy, { customerAccount: 'acct-1', handlerId: 'kam-7' })).toEqual({
      handlerId: 'kam-7',
      leadId: 'lead-pricing',
      teamId: 'pricing',
      via: 'account',
    });
  });

  test('otherwise the reason type’s team, the same member for the same order every time', () => {
    const first = dockingFor('SO-1', 'acct-1', 'price', policy, undefined);
    expect(['h-price-1', 'h-price-2']).toContain(first.handlerId);
    expect(dockingFor('SO-1', 'acct-1', 'price', policy, undefined)).toEqual(first);
    expect(dockingFor('SO-1', 'acct-1', 'inventory', policy, undefined)).toMatchObject({
      handlerId: 'h-supply-1',
      leadId: 'lead-supply',
    });
  });

  test('a team with nobody but its lead sends the case to the lead', () => {
    expect(dockingFor('SO-1', 'acct-1', 'price', defaultPolicy, undefined)).toMatchObject({
      handlerId: 'pricing-lead',
      leadId: 'pricing-lead',
    });
  });
});

describe('the preset message', () => {
  test('is filled with the order’s facts in both locales, and the deadline is one the handler can read', () => {
    const order = b2bOrder({
      orderNo: 'SO-77',
      buyer: { company: 'Lakeside Hotels' },
      total: 123_450,
      currency: 'CNY',
      lines: [{ sku: 'A', name: 'Towel', quantity: 3, unitPrice: 41_150 }],
    });
    const routed = routeRound({
      caseId: 'ac_1',
      round: 1,
      order,
      reason: { code: 'PRC-1', text: 'below floor' },
      policy: { version: 3, policy: testPolicy(120) },
      account: undefined,
      now: new Date('2026-11-21T00:00:00Z'),
    });
    expect(routed.opened.notice.en.title).toBe('Audit failed (price): order SO-77');
    expect(routed.opened.notice.en.body).toContain(
      'Order SO-77 of Lakeside Hotels (account acct-4711), 3 item(s), CNY 1234.50, failed review: below floor.',
    );
    expect(routed.opened.notice.en.body).toContain('21/11/2026, 10:00 (UTC+8)');
    expect(routed.opened.notice['zh-CN'].body).toContain(
      'Lakeside Hotels（账号 acct-4711）的订单 SO-77，共3件，金额 CNY 1234.50，未通过审核：below floor。',
    );
    expect(routed.set).toMatchObject({
      status: 'open',
      reasonType: 'price',
      ruleId: 'price-codes',
      policyVersion: 3,
      deadline: new Date('2026-11-21T02:00:00Z'),
    });
  });

  test('leaves no placeholder unfilled in any built-in template', () => {
    const order = b2bOrder();
    for (const settings of Object.values(defaultPolicy.types)) {
      const text = fillTemplate(settings.template, {
        order,
        reason: 'r',
        reasonType: 'other',
        deadline: new Date(),
        handlerId: 'h',
      });
      expect(JSON.stringify(text)).not.toMatch(/\{[a-zA-Z]+\}/);
    }
  });
});

describe('saving a policy', () => {
  test('refuses a template with an unknown placeholder and a type whose team does not exist', () => {
    const bad: AuditPolicy = structuredClone(defaultPolicy);
    bad.types.price.template.en.body = 'Order {orderNumber}';
    bad.types.inventory.teamId = 'nobody';
    const result = AuditPolicy.safeParse(bad);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.message)).toEqual(
      expect.arrayContaining(['unknown placeholder {orderNumber}', 'no team nobody']),
    );
  });

  test('accepts the built-in policy', () => {
    expect(AuditPolicy.safeParse(defaultPolicy).success).toBe(true);
  });
});
