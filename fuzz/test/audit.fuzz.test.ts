import { AuditFailed, AuditFailure, B2bOrderConfirmed, encodeEnvelope, newEvent, Topics } from '@orderpulse/contracts';
import { waitFor } from '@orderpulse/testkit';

import { AccountBody, CaseListQuery, FixBody, PolicyBody } from '../../services/audit/src/entry-points/http/schemas';
import { AuditHarness, b2bOrder, failure, testPolicy, tokens } from '../../services/audit/test/support/audit-harness';
import { fuzzHttp, type Route } from '../support/http';
import { fuzzTopic } from '../support/kafka';
import { fuzzSettings } from '../support/settings';

const h = new AuditHarness();

beforeAll(async () => {
  await h.start(process.env.FUZZ_LOG ? { LOG_LEVEL: process.env.FUZZ_LOG } : {});
});

afterAll(() => h.stop());

test(`the audit service answers ${fuzzSettings.httpInputs} generated requests with a 2xx–4xx, errors as problem documents, and still serves`, async () => {
  const order = b2bOrder();
  await h.publishOrder(order);
  const ids = {
    caseId: ['ac_0123456789abcdef01234567'],
    orderNo: [order.orderNo],
    customerAccount: [order.customerAccount],
  };
  const routes: Route[] = [
    { method: 'GET', path: '/v1/audit/policy' },
    { method: 'PUT', path: '/v1/audit/policy', body: PolicyBody },
    { method: 'PUT', path: '/v1/audit/accounts/:customerAccount', body: AccountBody },
    { method: 'DELETE', path: '/v1/audit/accounts/:customerAccount' },
    { method: 'GET', path: '/v1/audit/cases', query: CaseListQuery },
    { method: 'GET', path: '/v1/audit/cases/:caseId' },
    { method: 'GET', path: '/v1/audit/orders/:orderNo' },
    { method: 'POST', path: '/v1/audit/cases/:caseId/fix', body: FixBody },
    { method: 'POST', path: '/v1/audit/failures', body: AuditFailure },
  ].map((r) => ({ ...r, params: ids }));
  const sent = await fuzzHttp({
    port: Number(new URL(h.base).port),
    routes,
    tokens: [tokens.handler('h-price-1'), tokens.handler('lead-pricing'), tokens.admin(), tokens.customer()],
    stillServes: async () => {
      const policy = await h.call('GET', '/v1/audit/policy', tokens.admin());
      expect(policy.status).toBe(200);
    },
  });
  expect(sent).toBe(fuzzSettings.httpInputs);
});

test(`the audit service takes ${fuzzSettings.kafkaInputs} hostile records on the B2B orders topic: the refused ones dead-lettered with their reason, the next valid order is kept`, async () => {
  const sent = await fuzzTopic({
    kafka: h.kafka,
    topic: h.topic(Topics.b2bOrders),
    definitions: [B2bOrderConfirmed],
    probe: async () => {
      const order = b2bOrder();
      const record = encodeEnvelope(
        newEvent(B2bOrderConfirmed, { source: 'trading-platform', subject: order.orderNo, data: order }),
      );
      return {
        record,
        effect: async () =>
          void (await waitFor(
            async () => (await h.call('GET', `/v1/audit/orders/${order.orderNo}`, tokens.admin())).status,
            { what: `order ${order.orderNo} to be kept`, until: (status) => status === 200, timeoutMs: 60_000 },
          )),
      };
    },
  });
  expect(sent).toBe(fuzzSettings.kafkaInputs);
});

test(`the audit service takes ${fuzzSettings.kafkaInputs} hostile records on the audit failures topic: the refused ones dead-lettered with their reason, the next valid failure opens its case`, async () => {
  await h.setPolicy(testPolicy());
  const sent = await fuzzTopic({
    kafka: h.kafka,
    topic: h.topic(Topics.auditFailures),
    definitions: [AuditFailed],
    probe: async () => {
      const order = b2bOrder();
      await h.publishOrder(order);
      const f = failure(
        { orderNo: order.orderNo },
        { code: 'PRC-002', text: 'Unit price below the contract floor price' },
      );
      return {
        record: encodeEnvelope(newEvent(AuditFailed, { source: 'middle-office', subject: order.orderNo, data: f })),
        effect: async () => void (await h.event('audit.case-opened', (d) => d.orderNo === order.orderNo, 60_000)),
      };
    },
  });
  expect(sent).toBe(fuzzSettings.kafkaInputs);
});
