import { stackEnv, waitFor } from '@orderpulse/testkit';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';

import { jobIds } from '../src/domain/use-cases/ports';
import { sign } from '../src/domain/webhook-signature';
import { callQueue } from '../src/entry-points/jobs/case-call.job';
import { timerQueue } from '../src/entry-points/jobs/case-timer.job';
import {
  AuditHarness,
  b2bOrder,
  failure,
  middleOfficeSecret,
  testPolicy,
  tokens,
  userSystemSecret,
} from './support/audit-harness';

const harness = new AuditHarness();

beforeAll(async () => {
  await harness.start();
  await harness.setPolicy(testPolicy());
}, 60_000);
afterAll(() => harness.stop());

/** Places an order, fails it with `reason`, and returns the opened case's event data. */
async function openedCase(h: AuditHarness, reason: { code?: string; text: string }, order = b2bOrder()) {
  await h.publishOrder(order);
  await waitFor(async () => (await h.webhook(failure({ orderNo: order.orderNo }, reason))).status === 202, {
    what: 'intake',
  });
  const opened = await h.event('audit.case-opened', (d) => d.orderNo === order.orderNo);
  return {
    order,
    caseId: opened.data.caseId as string,
    handlerId: opened.data.handlerId as string,
    leadId: opened.data.leadId as string,
  };
}

describe('once the handler records the fix', () => {
  test('the service re-submits it, retries a failing middle office, and sends the user system a success message built from the order', async () => {
    const order = b2bOrder({
      buyer: { company: 'Westlake Tea Co.' },
      lines: [{ sku: 'TEA-1', name: 'Longjing 250 g', quantity: 40, unitPrice: 18_800 }],
      total: 752_000,
    });
    const { caseId, handlerId } = await openedCase(harness, { code: 'PRC-3', text: 'price below floor' }, order);
    harness.middleOffice.answerNext({ status: 503 }, { status: 502 });

    const fixed = await harness.call('POST', `/v1/audit/cases/${caseId}/fix`, tokens.handler(handlerId), {
      note: 'contract price corrected to 188.00',
    });
    expect(fixed.status).toBe(202);
    expect(fixed.body.status).toBe('resubmitting');

    const passed = await harness.event('audit.passed', (d) => d.caseId === caseId);
    const reviews = harness.middleOffice.requests.filter((r) => (r.json as { caseId?: string }).caseId === caseId);
    expect(reviews).toHaveLength(3);
    expect(new Set(reviews.map((r) => r.headers['idempotency-key'])).size).toBe(1);
    const review = reviews[2]!;
    expect(review.headers['x-orderpulse-signature']).toBe(
      sign(middleOfficeSecret, Number(review.headers['x-orderpulse-timestamp']), review.body),
    );
    expect(review.json).toMatchObject({
      orderNo: order.orderNo,
      preOrderNo: order.preOrderNo,
      fix: { note: 'contract price corrected to 188.00', by: handlerId },
    });

    expect(passed.data.order).toMatchObject({
      orderNo: order.orderNo,
      buyer: { company: 'Westlake Tea Co.' },
      total: 752_000,
      lines: [{ sku: 'TEA-1', quantity: 40 }],
    });
    const message = passed.data.message as { en: { body: string }; 'zh-CN': { body: string } };
    expect(message.en.body).toBe(
      `Westlake Tea Co., your order ${order.orderNo} (40 item(s), CNY 7520.00) has passed review. There is no need to submit it again.`,
    );

    const [delivered] = await waitFor(
      () =>
        harness.userSystem.requests.filter((r) => (r.json as { data?: { caseId?: string } }).data?.caseId === caseId),
      {
        what: 'the success message at the user system',
        until: (found) => found.length > 0,
      },
    );
    if (!delivered) throw new Error('no delivery');
    expect(delivered.headers['x-orderpulse-signature']).toBe(
      sign(userSystemSecret, Number(delivered.headers['x-orderpulse-timestamp']), delivered.body),
    );
    expect(delivered.json).toMatchObject({
      type: 'audit.passed',
      data: {
        orderNo: order.orderNo,
        order: { buyer: { company: 'Westlake Tea Co.' } },
        message: { en: { body: message.en.body } },
      },
    });

    const closed = await harness.caseIn(caseId, 'closed');
    expect(closed.history.map((h) => h.action)).toEqual(['opened', 'fix_recorded', 'passed', 'delivered']);
    expect(
      harness.userSystem.requests.filter((r) => (r.json as { data?: { caseId?: string } }).data?.caseId === caseId),
    ).toHaveLength(1);
  });

  test('a re-review that fails with a new reason opens the next round with its own type and person', async () => {
    const { caseId, handlerId } = await openedCase(harness, { code: 'PRC-1', text: 'price' });
    harness.middleOffice.answerNext({
      status: 200,
      body: { result: 'failed', reasonCode: 'INV-4', reasonText: 'stock reserved elsewhere' },
    });
    await harness.call('POST', `/v1/audit/cases/${caseId}/fix`, tokens.handler(handlerId), { note: 'price fixed' });

    const second = await harness.event('audit.case-opened', (d) => d.caseId === caseId && d.round === 2);
    expect(second.data).toMatchObject({
      reasonType: 'inventory',
      handlerId: 'h-supply-1',
      reason: { code: 'INV-4', text: 'stock reserved elsewhere' },
    });
    const c = await harness.caseIn(caseId, 'open');
    expect(c.round).toBe(2);

    await harness.call('POST', `/v1/audit/cases/${caseId}/fix`, tokens.handler('h-supply-1'), {
      note: 'stock released',
    });
    await harness.event('audit.passed', (d) => d.caseId === caseId);
  });

  test('a middle office that refuses the re-submission (4xx) hands the case back to the handler, who can fix it again', async () => {
    const { caseId, handlerId } = await openedCase(harness, { code: 'ADR-1', text: 'address' });
    harness.middleOffice.answerNext({ status: 422, body: { error: 'order locked' } });
    await harness.call('POST', `/v1/audit/cases/${caseId}/fix`, tokens.handler(handlerId), {
      note: 'address corrected',
    });

    const failed = await harness.event('audit.resubmission-failed', (d) => d.caseId === caseId);
    expect(failed.data.reason).toContain('422');
    const c = await harness.caseIn(caseId, 'resubmit_failed');
    expect(c.lastResubmitError).toContain('order locked');
    expect(harness.middleOffice.requests.filter((r) => (r.json as { caseId?: string }).caseId === caseId)).toHaveLength(
      1,
    );

    await harness.call('POST', `/v1/audit/cases/${caseId}/fix`, tokens.handler(handlerId), { note: 'unlocked' });
    await harness.caseIn(caseId, 'closed');
  });

  test('a second fix while the re-submission is out is a 409 with the current status', async () => {
    const { caseId, handlerId } = await openedCase(harness, { code: 'PRC-1', text: 'price' });
    harness.middleOffice.answerNext({ status: 200, body: { result: 'passed' }, hold: true });
    const first = await harness.call('POST', `/v1/audit/cases/${caseId}/fix`, tokens.handler(handlerId), {
      note: 'one',
    });
    const second = await harness.call('POST', `/v1/audit/cases/${caseId}/fix`, tokens.handler(handlerId), {
      note: 'two',
    });
    expect(first.status).toBe(202);
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ status: 409, caseStatus: 'resubmitting' });
    await waitFor(() => harness.middleOffice.holding > 0, { what: 'the held review' });
    harness.middleOffice.release();
    await harness.caseIn(caseId, 'closed');
  });

  test('a passed verdict is applied even when the case changed while the middle office was deciding', async () => {
    const { caseId, handlerId } = await openedCase(harness, { code: 'PRC-1', text: 'price' });
    harness.middleOffice.answerNext({ status: 200, body: { result: 'passed' }, hold: true });
    expect(
      (
        await harness.call('POST', `/v1/audit/cases/${caseId}/fix`, tokens.handler(handlerId), {
          note: 'price corrected',
        })
      ).status,
    ).toBe(202);
    await waitFor(() => harness.middleOffice.holding > 0, { what: 'the held review' });
    // Another writer changes the case meanwhile (a note by operations), so the version the re-submission read is gone.
    const cases = harness.service.ports.cases;
    const read = await cases.get(caseId);
    const now = new Date();
    const noted = await cases.update(
      read!,
      {
        set: { updatedAt: now },
        history: {
          at: now,
          action: 'fix_recorded',
          by: { role: 'admin', subject: 'ops' },
          status: 'resubmitting',
          note: 'checked by operations',
        },
      },
      [],
    );
    expect(noted?.version).toBe(read!.version + 1);
    harness.middleOffice.release();

    const passed = await harness.event('audit.passed', (d) => d.caseId === caseId);
    expect(passed.data.caseId).toBe(caseId);
    const closed = await harness.caseIn(caseId, 'closed');
    expect(closed.history.map((h) => h.action)).toEqual([
      'opened',
      'fix_recorded',
      'fix_recorded',
      'passed',
      'delivered',
    ]);
  });
});

describe('deadlines', () => {
  test('a case nobody fixes in time escalates to the team lead, once', async () => {
    await harness.setPolicy(testPolicy(0.05));
    try {
      const { caseId, leadId, handlerId } = await openedCase(harness, { code: 'CRD-2', text: 'credit limit' });
      const escalated = await harness.event('audit.case-escalated', (d) => d.caseId === caseId);
      expect(escalated.data).toMatchObject({ leadId: 'lead-finance', handlerId });
      expect(leadId).toBe('lead-finance');
      expect((escalated.data.notice as { en: { title: string } }).en.title).toContain('Overdue audit failure');

      const overdue = await harness.cases('overdue=true', tokens.handler('lead-finance'));
      expect(overdue.find((c) => c.caseId === caseId)?.overdue).toBe(true);
      await harness.service.reconcile();
      expect(harness.events.filter((e) => e.type === 'audit.case-escalated' && e.data.caseId === caseId)).toHaveLength(
        1,
      );
    } finally {
      await harness.setPolicy(testPolicy());
    }
  });

  test('a case whose fix is recorded before the deadline does not escalate, even while its re-review is still out', async () => {
    await harness.setPolicy(testPolicy(0.05));
    try {
      const { caseId, handlerId } = await openedCase(harness, { code: 'PRC-1', text: 'price' });
      harness.middleOffice.answerNext({ status: 200, body: { result: 'passed' }, hold: true });
      await harness.call('POST', `/v1/audit/cases/${caseId}/fix`, tokens.handler(handlerId), { note: 'fixed at once' });
      const held = await harness.caseIn(caseId, 'resubmitting');
      const deadline = Date.parse(held.deadline ?? '');
      await waitFor(() => Date.now() > deadline + 1_000, { what: 'the deadline to pass', timeoutMs: 10_000 });
      await harness.service.reconcile();
      harness.middleOffice.release();
      await harness.caseIn(caseId, 'closed');
      expect(harness.events.some((e) => e.type === 'audit.case-escalated' && e.data.caseId === caseId)).toBe(false);
    } finally {
      await harness.setPolicy(testPolicy());
    }
  });
});

describe('a due pass', () => {
  test('leaves an open case inside its window to its timer: it reads only what is due, and a pass over all puts the timer back', async () => {
    const { caseId } = await openedCase(harness, { code: 'PRC-1', text: 'price' });
    const opened = await harness.caseIn(caseId, 'open');
    const id = jobIds.escalate({ caseId, round: opened.round });
    await waitFor(() => harness.service.ports.timers.has(id), { what: 'the escalation timer' });
    expect(await harness.service.ports.timers.cancel(id)).toBe(true);
    expect((await harness.service.reconcile('due')).rescheduled).toBe(0);
    expect(await harness.service.ports.timers.has(id)).toBe(false);
    expect((await harness.service.reconcile('all')).rescheduled).toBeGreaterThanOrEqual(1);
    expect(await harness.service.ports.timers.has(id)).toBe(true);
  });
});

describe('timers and calls survive a restart that lost Redis’s jobs', () => {
  test('the reconciler at start escalates the overdue case and re-submits the fixed one', async () => {
    const h = new AuditHarness();
    // Retries far enough apart that the re-submission is still being retried when the process stops.
    const env = { AUDIT_CALL_ATTEMPTS: '20', AUDIT_CALL_BACKOFF_MS: '1000' };
    await h.start(env);
    const redis = new Redis(stackEnv().REDIS_URL, { maxRetriesPerRequest: null });
    try {
      await h.setPolicy(testPolicy(0.05));
      const overdue = await openedCase(h, { code: 'PRC-1', text: 'price' });
      const fixed = await openedCase(h, { code: 'PRC-1', text: 'price' });
      h.middleOffice.answerAlways(() => ({ status: 503 }));
      await h.call('POST', `/v1/audit/cases/${fixed.caseId}/fix`, tokens.handler(fixed.handlerId), { note: 'fixed' });
      await waitFor(() => h.middleOffice.requests.length > 0, { what: 'a first review try' });
      await h.halt();
      for (const name of [timerQueue, callQueue]) {
        const queue = new Queue(name, { connection: redis, prefix: h.queuePrefix });
        await queue.obliterate({ force: true });
        await queue.close();
      }
      h.middleOffice.answerAlways(() => ({ status: 200, body: { result: 'passed' } }));

      await h.boot(env);
      await h.event('audit.case-escalated', (d) => d.caseId === overdue.caseId);
      await h.caseIn(fixed.caseId, 'closed');
    } finally {
      redis.disconnect();
      await h.stop();
    }
  }, 90_000);
});
