import { Topics } from '@orderpulse/contracts';
import { waitFor } from '@orderpulse/testkit';

import { AuditHarness, b2bOrder, failure, testPolicy, tokens } from './support/audit-harness';

const harness = new AuditHarness();

beforeAll(async () => {
  await harness.start();
  await harness.setPolicy(testPolicy());
}, 60_000);
afterAll(() => harness.stop());

describe('a failure reaches the order’s docking person with its preset message', () => {
  const reasons = [
    {
      type: 'price',
      reason: { code: 'PRC-002', text: 'Unit price below the contract floor' },
      handler: /^h-price-[12]$/,
      words: 'Audit failed (price)',
    },
    {
      type: 'inventory',
      reason: { text: '库存不足，无法满足订购数量' },
      handler: /^h-supply-1$/,
      words: 'Audit failed (inventory)',
    },
    {
      type: 'credit_terms',
      reason: { text: 'Credit limit exceeded' },
      handler: /^h-finance-1$/,
      words: 'Audit failed (credit or payment terms)',
    },
    {
      type: 'address',
      reason: { text: '收货地址不在配送范围' },
      handler: /^h-service-1$/,
      words: 'Audit failed (receiving address)',
    },
    {
      type: 'qualification',
      reason: { code: 'QLF-7', text: 'Licence expired' },
      handler: /^h-service-1$/,
      words: 'Audit failed (customer qualification)',
    },
    {
      type: 'product_data',
      reason: { text: 'SKU specification mismatch' },
      handler: /^h-supply-1$/,
      words: 'Audit failed (product data)',
    },
    {
      type: 'other',
      reason: { text: 'Manual hold by reviewer' },
      handler: /^h-service-1$/,
      words: 'Audit failed (other)',
    },
  ];

  test.each(reasons)(
    'a $type failure goes to its team’s handler with the $type template filled from the order',
    async ({ type, reason, handler, words }) => {
      const order = b2bOrder({ buyer: { company: `Buyer of ${type}` } });
      await harness.publishOrder(order);
      const f = failure({ orderNo: order.orderNo }, reason);
      await waitFor(async () => (await harness.webhook(f)).status === 202, {
        what: 'the order to be known',
        until: Boolean,
      });

      const opened = await harness.event('audit.case-opened', (d) => d.orderNo === order.orderNo);
      expect(opened.data.reasonType).toBe(type);
      expect(opened.data.handlerId).toMatch(handler);
      const notice = opened.data.notice as { en: { title: string; body: string }; 'zh-CN': { body: string } };
      expect(notice.en.title).toBe(`${words}: order ${order.orderNo}`);
      expect(notice.en.body).toContain(`Buyer of ${type}`);
      expect(notice.en.body).toContain(reason.text);
      expect(notice['zh-CN'].body).toContain(order.orderNo);

      const mine = await harness.cases('handler=me', tokens.handler(opened.data.handlerId as string));
      expect(mine.map((c) => c.caseId)).toContain(opened.data.caseId);
    },
  );

  test('a customer account with its own docking person goes to that person whatever the type', async () => {
    const order = b2bOrder({ customerAccount: 'acct-key-1' });
    expect(
      (
        await harness.call('PUT', '/v1/audit/accounts/acct-key-1', tokens.admin(), {
          handlerId: 'kam-1',
          leadId: 'kam-lead',
        })
      ).status,
    ).toBe(201);
    await harness.publishOrder(order);
    await waitFor(
      async () =>
        (await harness.webhook(failure({ orderNo: order.orderNo }, { text: 'Price too low' }))).status === 202,
      { what: 'intake' },
    );
    const opened = await harness.event('audit.case-opened', (d) => d.orderNo === order.orderNo);
    expect(opened.data).toMatchObject({ handlerId: 'kam-1', leadId: 'kam-lead', reasonType: 'price' });
  });

  test('a notification naming only the pre-order number finds the order by it', async () => {
    const order = b2bOrder();
    await harness.publishOrder(order);
    const f = failure({ preOrderNo: order.preOrderNo! }, { code: 'INV-1', text: 'short' });
    await waitFor(
      async () => {
        await harness.publishFailure(f);
        return harness.events.find((e) => e.type === 'audit.case-opened' && e.data.orderNo === order.orderNo);
      },
      { what: 'the case of the pre-order', timeoutMs: 20_000, intervalMs: 1_000 },
    );
  });
});

describe('intake is idempotent and signed', () => {
  test('the same notification on Kafka twice and on the webhook makes one case', async () => {
    const order = b2bOrder();
    await harness.publishOrder(order);
    const f = failure({ orderNo: order.orderNo }, { code: 'PRC-1', text: 'price' });
    await harness.publishFailure(f);
    await harness.publishFailure(f);
    const opened = await harness.event('audit.case-opened', (d) => d.orderNo === order.orderNo);
    const again = await harness.webhook(f);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ caseId: opened.data.caseId, duplicate: true });

    const forOrder = (await harness.cases('limit=200', tokens.admin())).filter(
      (c) => c.order?.orderNo === order.orderNo,
    );
    expect(forOrder).toHaveLength(1);
    expect(forOrder[0]?.notificationIds).toEqual([f.notificationId]);
    expect(
      harness.events.filter((e) => e.type === 'audit.case-opened' && e.data.orderNo === order.orderNo),
    ).toHaveLength(1);
  });

  test('a second, different failure for an order whose case is open joins that case instead of opening another', async () => {
    const order = b2bOrder();
    await harness.publishOrder(order);
    const first = failure({ orderNo: order.orderNo }, { text: 'price' });
    await waitFor(async () => (await harness.webhook(first)).status === 202, { what: 'intake' });
    const second = await harness.webhook(failure({ orderNo: order.orderNo }, { text: 'price, again' }));
    expect(second.status).toBe(202);
    const c = await harness.caseIn(second.body.caseId as string, 'open');
    expect(c.notificationIds).toHaveLength(2);
    expect(c.history.map((h) => h.action)).toEqual(['opened', 'failed_again']);
  });

  test.each([
    ['a wrong secret', { secret: 'not-the-shared-secret-but-long-enough-anyway' }, 'does not match'],
    ['a stale timestamp', { timestamp: Math.floor(Date.now() / 1_000) - 3_600 }, 'away from now'],
    ['no signature', { signature: '' }, 'not signed'],
  ])('%s is refused with 401 and opens nothing', async (_name, options, words) => {
    const order = b2bOrder();
    await harness.publishOrder(order);
    const f = failure({ orderNo: order.orderNo }, { text: 'price' });
    const res = await harness.webhook(f, options);
    expect(res.status).toBe(401);
    expect(res.type).toContain('application/problem+json');
    expect(res.body.detail).toContain(words);
    const listed = await harness.cases('limit=200', tokens.admin());
    expect(listed.some((c) => c.notificationIds.includes(f.notificationId))).toBe(false);
  });

  test('a signed body that is not a notification is a 400 naming the problem', async () => {
    const res = await harness.webhook({ notificationId: 'n-1', reasonText: 'x', failedAt: new Date().toISOString() });
    expect(res.status).toBe(400);
    expect(res.type).toContain('application/problem+json');
    expect(JSON.stringify(res.body)).toContain('names neither an order number nor a pre-order number');
  });

  test('a malformed failure on Kafka goes to the dead-letter topic with its reason', async () => {
    await harness.publishRaw(Topics.auditFailures, 'audit.failed', {
      notificationId: 'bad',
      reasonText: 'x',
      failedAt: 'yesterday',
    });
    const dead = await harness.event('dlq', (d) => d.notificationId === 'bad');
    expect(dead.headers['x-dlq-reason']).toMatch(/failedAt|datetime/i);
  });
});

describe('a failure for an order nobody knows yet', () => {
  test('is parked with the reason, visible to handlers, and opens when the order arrives', async () => {
    const order = b2bOrder();
    const f = failure({ orderNo: order.orderNo }, { code: 'ADR-2', text: 'address' });
    const res = await harness.webhook(f);
    expect(res.body.status).toBe('parked');
    const parked = await harness.cases('status=parked&limit=200', tokens.handler('h-service-1'));
    expect(parked.find((c) => c.caseId === res.body.caseId)?.parkedReason).toContain(order.orderNo);

    await harness.publishOrder(order);
    const opened = await harness.event('audit.case-opened', (d) => d.orderNo === order.orderNo);
    expect(opened.data).toMatchObject({ caseId: res.body.caseId, reasonType: 'address', handlerId: 'h-service-1' });
    const c = await harness.caseIn(res.body.caseId as string, 'open');
    expect(c.history.map((h) => h.action)).toEqual(['parked', 'opened']);
  });

  test('becomes unmatched after the give-up time, and still opens if the order comes later', async () => {
    const late = new AuditHarness();
    await late.start({ AUDIT_PARK_GIVE_UP_HOURS: '0.001' });
    try {
      const order = b2bOrder();
      const res = await late.webhook(failure({ orderNo: order.orderNo }, { text: 'price' }));
      await late.caseIn(res.body.caseId as string, 'unmatched', 30_000);
      await late.publishOrder(order);
      await late.caseIn(res.body.caseId as string, 'open');
    } finally {
      await late.stop();
    }
  }, 60_000);
});

describe('who sees and touches a case', () => {
  test('another handler neither sees nor fixes someone else’s case; a customer is refused outright', async () => {
    const order = b2bOrder();
    await harness.publishOrder(order);
    await waitFor(
      async () =>
        (await harness.webhook(failure({ orderNo: order.orderNo }, { code: 'CRD-1', text: 'credit' }))).status === 202,
      { what: 'intake' },
    );
    const opened = await harness.event('audit.case-opened', (d) => d.orderNo === order.orderNo);
    const caseId = opened.data.caseId as string;

    expect((await harness.call('GET', `/v1/audit/cases/${caseId}`, tokens.handler('h-price-1'))).status).toBe(404);
    expect(
      (await harness.call('POST', `/v1/audit/cases/${caseId}/fix`, tokens.handler('h-price-1'), { note: 'mine now' }))
        .status,
    ).toBe(404);
    const listed = await harness.cases('limit=200', tokens.handler('h-price-1'));
    expect(listed.some((c) => c.caseId === caseId)).toBe(false);
    expect((await harness.call('GET', '/v1/audit/cases', tokens.customer())).status).toBe(403);
    expect((await harness.call('GET', `/v1/audit/orders/${order.orderNo}`, tokens.customer())).status).toBe(403);
    expect(
      (await harness.call('GET', `/v1/audit/orders/${order.orderNo}`, tokens.handler('h-price-1'))).body,
    ).toMatchObject({ orderNo: order.orderNo, customerAccount: order.customerAccount });
    expect((await harness.call('GET', '/v1/audit/orders/SO-NOBODY', tokens.admin())).status).toBe(404);
    expect((await harness.call('GET', '/v1/audit/cases', undefined)).status).toBe(401);
    expect((await harness.call('PUT', '/v1/audit/policy', tokens.handler('h-finance-1'), {})).status).toBe(403);
    expect((await harness.call('GET', `/v1/audit/cases/${caseId}`, tokens.handler('lead-finance'))).status).toBe(200);
  });

  test('bad queries and bodies are 4xx problems, never a 5xx', async () => {
    const admin = tokens.admin();
    const answers = await Promise.all([
      harness.call('GET', '/v1/audit/cases?status=lost', admin),
      harness.call('GET', '/v1/audit/cases?limit=0', admin),
      harness.call('GET', '/v1/audit/cases?cursor=%%%', admin),
      harness.call('GET', '/v1/audit/cases/not-a-case', admin),
      harness.call('POST', '/v1/audit/cases/ac_000000000000000000000000/fix', admin, { note: 'x' }),
      harness.call('POST', '/v1/audit/cases/ac_000000000000000000000000/fix', admin, '{"note":'),
      harness.call('PUT', '/v1/audit/policy', admin, { expectedVersion: 0, policy: { rules: [] } }),
      harness.call('PUT', '/v1/audit/accounts/a b', admin, { handlerId: 'x' }),
    ]);
    expect(answers.map((a) => a.status)).toEqual([400, 400, 400, 400, 404, 400, 400, 400]);
    for (const a of answers) expect(a.type).toContain('application/problem+json');
  });

  test('a policy saved from an old version is refused with 409, not overwritten', async () => {
    const current = await harness.call('GET', '/v1/audit/policy', tokens.admin());
    const stale = await harness.call('PUT', '/v1/audit/policy', tokens.admin(), {
      expectedVersion: (current.body.version as number) - 1,
      policy: testPolicy(),
    });
    expect(stale.status).toBe(409);
    expect(stale.body.version).toBe(current.body.version);
  });
});
