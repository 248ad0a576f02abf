import {
  AuditCaseEscalated,
  AuditCaseOpened,
  AuditPassed,
  AuditResubmissionFailed,
  exampleShare,
  exampleSnapshot,
  GuaranteeOrderProcessed,
  MediaAttached,
  OrderStatus,
  shortOrderNumber,
} from '@orderpulse/contracts';

import { recipientKey } from '../src/domain/recipients';
import { noticesFor, type RoutedEvent } from '../src/domain/routing';
import { render, templates } from '../src/domain/templates';

const order = {
  ...exampleSnapshot,
  total: 3600,
  locale: 'zh-CN' as const,
  countdown: { deadline: '2026-11-21T10:03:00.000Z', serverTime: '2026-11-21T10:00:00.000Z' },
};
const statusEvent = (status: OrderStatus): RoutedEvent => ({
  type: 'order.status-changed',
  data: {
    ...order,
    status,
    from: 'connected',
    by: { role: 'system', subject: 'test' },
    terminalId: 'rider-7',
    reason: 'out of noodles',
  },
});
const who = (event: RoutedEvent) => noticesFor(event).map((n) => `${recipientKey(n.recipient)} ${n.category}`);

const auditEvents: RoutedEvent[] = [
  { type: 'audit.case-opened', data: AuditCaseOpened.schema.parse(AuditCaseOpened.example) },
  { type: 'audit.case-escalated', data: AuditCaseEscalated.schema.parse(AuditCaseEscalated.example) },
  { type: 'audit.resubmission-failed', data: AuditResubmissionFailed.schema.parse(AuditResubmissionFailed.example) },
  { type: 'audit.passed', data: AuditPassed.schema.parse(AuditPassed.example) },
];

describe('routing: who is told what', () => {
  test('a new order goes to the merchant (new_order) and the customer, with the countdown', () => {
    const notices = noticesFor({ type: 'order.placed', data: order });
    expect(notices.map((n) => `${recipientKey(n.recipient)} ${n.category}`)).toEqual([
      'merchant:m-1001 new_order',
      'customer:c-42 order_outcome',
    ]);
    expect(notices.every((n) => n.countdown?.deadline === order.countdown.deadline)).toBe(true);
    expect(render(notices[0]!.template, 'en', notices[0]!.params)).toEqual({
      title: `New order ${shortOrderNumber(order.orderId)}`,
      body: 'Beef noodles × 2; 2 item(s), CNY 36.00. Answer within 3 min.',
    });
    expect(render(notices[0]!.template, 'zh-CN', notices[0]!.params).body).toBe(
      'Beef noodles × 2，共2件，CNY 36.00。请在3分钟内处理。',
    );
  });

  test('the new-order push names the first three dishes (by id for an order placed before names were kept) and how many more', () => {
    const lines = [
      { productId: 'p-1', name: 'Beef noodles', quantity: 1, unitPrice: 1800 },
      { productId: 'p-2', quantity: 2, unitPrice: 600 },
      { productId: 'p-3', name: '小笼包', quantity: 1, unitPrice: 900 },
      { productId: 'p-4', name: 'Tea', quantity: 1, unitPrice: 300 },
      { productId: 'p-5', name: 'Soup', quantity: 1, unitPrice: 400 },
    ];
    const [toMerchant] = noticesFor({ type: 'order.placed', data: { ...order, lines } });
    expect(render(toMerchant!.template, 'en', toMerchant!.params).body).toMatch(
      /^Beef noodles × 1, p-2 × 2, 小笼包 × 1 \+2; 6 item\(s\), /,
    );
  });

  test.each([
    ['connected', ['customer:c-42 order_outcome']],
    ['accepted', ['customer:c-42 order_outcome']],
    ['rejected', ['customer:c-42 order_outcome']],
    ['returned', ['customer:c-42 order_outcome']],
    ['dispatched', ['customer:c-42 order_outcome']],
    ['not_connected', ['customer:c-42 order_outcome', 'merchant:m-1001 order_outcome']],
    ['not_answered', ['customer:c-42 order_outcome', 'merchant:m-1001 order_outcome']],
    ['rider_took', ['customer:c-42 delivery_progress']],
    ['rider_at_store', ['customer:c-42 delivery_progress', 'merchant:m-1001 delivery_progress']],
    ['picked_up', ['customer:c-42 delivery_progress', 'merchant:m-1001 delivery_progress']],
    ['delivered', ['customer:c-42 delivery_progress', 'merchant:m-1001 delivery_progress']],
  ] as const)('status %s goes to %j', (status, expected) => {
    expect(who(statusEvent(status))).toEqual(expected);
  });

  test('an assignment tells the new terminal, the customer and the terminal that lost it', () => {
    const event: RoutedEvent = {
      type: 'order.assigned',
      data: { ...order, terminalId: 'rider-8', previousTerminalId: 'rider-7', strategy: 'least_loaded' },
    };
    expect(who(event)).toEqual([
      'rider:rider-8 assignment',
      'customer:c-42 delivery_progress',
      'rider:rider-7 assignment',
    ]);
  });

  test('an order no terminal can take tells its merchant it waits for a rider, in both locales', () => {
    const event: RoutedEvent = {
      type: 'order.awaiting-rider',
      data: {
        ...order,
        status: 'accepted',
        awaitingSince: '2025-05-01T10:03:12.000Z',
        declinedBy: ['rider-7'],
        previousTerminalId: 'rider-7',
      },
    };
    expect(who(event)).toEqual(['merchant:m-1001 delivery_progress']);
    const [notice] = noticesFor(event);
    expect(render(notice!.template, 'en', notice!.params).title).toBe(
      `Order #${order.orderId.slice(-6).toUpperCase()}: waiting for a rider`,
    );
    expect(render(notice!.template, 'zh-CN', notice!.params).title).toContain('等待骑手接单');
  });

  test('a refusal tells the customer why, in their language', () => {
    const [notice] = noticesFor({
      type: 'order.refused',
      data: {
        orderId: 'ord-9',
        customerId: 'c-9',
        merchantId: 'm-1',
        storeId: 's-1',
        check: 'store_open',
        reason: 'closed until 10:00',
        locale: 'en',
      },
    });
    expect(notice && render(notice.template, notice.locale, notice.params)).toEqual({
      title: 'Order #ORD-9 not placed',
      body: 'closed until 10:00',
    });
  });

  test('an audit case goes to its docking person, an escalation to the lead, with the audit service’s own words in the recipient’s locale', () => {
    expect(auditEvents.map(who)).toEqual([
      ['handler:h-pricing-1 audit'],
      ['handler:h-pricing-lead audit'],
      ['handler:h-pricing-1 audit'],
      ['handler:h-pricing-1 audit'],
    ]);
    const [opened] = noticesFor(auditEvents[0]!);
    expect(render(opened!.template, 'en', opened!.params)).toEqual(AuditCaseOpened.example.notice.en);
    expect(render(opened!.template, 'zh-CN', opened!.params)).toEqual(AuditCaseOpened.example.notice['zh-CN']);
    expect(opened!.orderId).toBe('SO-2026-000123');
  });

  test('every message each route chooses renders in zh-CN and en with nothing left unfilled', () => {
    const events: RoutedEvent[] = [
      { type: 'order.placed', data: order },
      {
        type: 'order.refused',
        data: {
          orderId: 'o',
          customerId: 'c',
          merchantId: 'm',
          storeId: 's',
          check: 'product_price',
          reason: 'price changed',
        },
      },
      ...OrderStatus.options.map(statusEvent),
      { type: 'order.assigned', data: { ...order, terminalId: 'r-2', previousTerminalId: 'r-1', strategy: 'region' } },
      {
        type: 'order.awaiting-rider',
        data: { ...order, status: 'accepted', awaitingSince: '2025-05-01T10:03:12.000Z', declinedBy: [] },
      },
      { type: 'order.stocking-reported', data: { ...order, stocking: 'failure', reason: 'sold out' } },
      { type: 'order.stocking-reported', data: { ...order, stocking: 'success' } },
      ...auditEvents,
      ...(['share.offered', 'share.claimed', 'share.expired', 'share.revoked', 'share.declined'] as const).map(
        (type): RoutedEvent => ({ type, data: exampleShare }),
      ),
      {
        type: 'guarantee-order.processed',
        data: GuaranteeOrderProcessed.schema.parse(GuaranteeOrderProcessed.example),
      },
      { type: 'media.attached', data: MediaAttached.schema.parse(MediaAttached.example) },
    ];
    const used = new Set<string>();
    for (const notice of events.flatMap(noticesFor)) {
      used.add(notice.template);
      for (const locale of ['zh-CN', 'en'] as const) {
        const text = render(notice.template, locale, notice.params);
        expect(`${text.title} ${text.body}`).not.toMatch(/[{}]|undefined/);
      }
    }
    expect([...used].sort()).toEqual(Object.keys(templates).sort());
  });
});

describe('text that leaves for a terminal or a push', () => {
  test('a reason typed with a control character or a lone surrogate reaches the page and the push without it', () => {
    const text = render('order.refused.customer', 'en', {
      orderNo: '#ABC123',
      reason: 'out\bof\u0000 noodles\uD800 😀',
    });
    expect(text.body).toBe('outof noodles 😀');
    expect(text.title).toBe('Order #ABC123 not placed');
  });
});
