import { createHmac } from 'node:crypto';
import { join } from 'node:path';

import { B2bOrderConfirmed, exampleB2bOrder, newEvent, Topics } from '@orderpulse/contracts';
import { applyTopics, EventProducer, plannedTopics } from '@orderpulse/kafka';
import { ChildService, RecordingServer, uniqueName, waitFor } from '@orderpulse/testkit';

import {
  type Deployment,
  deploymentEnv,
  newDeployment,
  NotificationInstance,
  StreamClient,
  tokens,
} from './support/notification-harness';

const auditMain = join(__dirname, '..', '..', 'audit', 'dist', 'main.js');
const webhookSecret = 'middle-office-webhook-secret-of-enough-length';

/** The audit service and the notification service together: what a B2B handler's terminal shows of a failed review. */
describe('from the audit service to the handler’s terminal', () => {
  let deployment: Deployment;
  let notification: NotificationInstance;
  let audit: ChildService;
  let auditBase = '';
  const middleOffice = new RecordingServer(() => ({ status: 200, body: { result: 'passed' } }));
  const userSystem = new RecordingServer(() => ({ status: 204 }));

  beforeAll(async () => {
    deployment = await newDeployment();
    await Promise.all([middleOffice.start(), userSystem.start()]);
    await applyTopics(
      deployment.kafka,
      plannedTopics({
        defaults: { partitions: 3, replicationFactor: 1 },
        deadLetter: { partitions: 1 },
        topics: [Topics.b2bOrders, Topics.auditFailures, Topics.auditEvents].map((t) => ({
          name: `${deployment.prefix}${t}`,
          consumedBy: ['audit', 'notification'],
        })),
      }),
    );
    notification = await new NotificationInstance(deployment).start();
    const env = deploymentEnv(deployment, {
      LOG_LEVEL: 'info',
      MONGO_DB: uniqueName('audit'),
      AUDIT_WEBHOOK_SECRET: webhookSecret,
      MIDDLE_OFFICE_URL: `${middleOffice.url}/reviews`,
      MIDDLE_OFFICE_SECRET: 'audit-to-middle-office-secret-of-enough-length',
      USER_SYSTEM_URL: `${userSystem.url}/audit-results`,
      USER_SYSTEM_SECRET: 'audit-to-user-system-secret-of-enough-length',
    });
    audit = new ChildService(process.execPath, [auditMain], { ...process.env, ...env }).start();
    const line = await waitFor(() => audit.output.find((l) => l.includes('audit listening')), {
      what: 'the audit service to listen',
      timeoutMs: 60_000,
    });
    auditBase = `http://127.0.0.1:${(JSON.parse(String(line)) as { port: number }).port}`;
  }, 90_000);

  afterAll(async () => {
    await audit.kill('SIGTERM');
    await notification.stop();
    await Promise.all([deployment.gateway.stop(), middleOffice.stop(), userSystem.stop()]);
  });

  test('a failed review reaches the docking person’s stream with the preset message; the pass reaches it too', async () => {
    const orderNo = uniqueName('SO').toUpperCase();
    const producer = new EventProducer(deployment.kafka);
    await producer.publish([
      {
        topic: `${deployment.prefix}${Topics.b2bOrders}`,
        event: newEvent(B2bOrderConfirmed, {
          source: 'trading-platform',
          subject: orderNo,
          data: { ...exampleB2bOrder, orderNo, customerAccount: 'acct-e2e' },
        }),
      },
    ]);
    await producer.disconnect();
    const account = await fetch(`${auditBase}/v1/audit/accounts/acct-e2e`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${tokens.admin()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ handlerId: 'kam-e2e' }),
    });
    expect(account.status).toBe(201);
    const stream = await StreamClient.open(notification.base, tokens.handler('kam-e2e'));

    const body = JSON.stringify({
      notificationId: uniqueName('ntf'),
      orderNo,
      reasonCode: 'PRC-002',
      reasonText: '单价低于合同底价',
      failedAt: new Date().toISOString(),
    });
    await waitFor(
      async () => {
        const timestamp = Math.floor(Date.now() / 1_000);
        const signature = `v1=${createHmac('sha256', webhookSecret).update(`${timestamp}.${body}`).digest('hex')}`;
        const res = await fetch(`${auditBase}/v1/audit/failures`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-orderpulse-timestamp': String(timestamp),
            'x-orderpulse-signature': signature,
          },
          body,
        });
        return ((await res.json()) as { status: string }).status === 'open';
      },
      { what: 'the failure to open a case', intervalMs: 500 },
    );

    const told = await waitFor(
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      () => stream.notifications().find((n: any) => n.message.eventType === 'audit.case-opened'),
      { what: 'the preset message on the handler stream' },
    );
    expect(told.message).toMatchObject({
      orderId: orderNo,
      category: 'audit',
      title: `审核失败（价格）：订单 ${orderNo}`,
    });
    expect(told.message.body).toContain('单价低于合同底价');

    const cases = (await (
      await fetch(`${auditBase}/v1/audit/cases?handler=me`, {
        headers: { authorization: `Bearer ${tokens.handler('kam-e2e')}` },
      })
    ).json()) as { cases: { caseId: string }[] };
    const fix = await fetch(`${auditBase}/v1/audit/cases/${cases.cases[0]!.caseId}/fix`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.handler('kam-e2e')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ note: '按合同价修正' }),
    });
    expect(fix.status).toBe(202);
    const passed = await waitFor(
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      () => stream.notifications().find((n: any) => n.message.eventType === 'audit.passed'),
      { what: 'the pass on the handler stream' },
    );
    expect(passed.message.title).toBe(`订单 ${orderNo} 已通过审核`);
    stream.close();
  }, 60_000);
});
