import { join } from 'node:path';

import { ChildService, uniqueName, waitFor } from '@orderpulse/testkit';

import {
  type Deployment,
  deploymentEnv,
  newDeployment,
  NotificationInstance,
  tokenIssuer,
  StreamClient,
  tokens,
} from './support/notification-harness';

const sharingMain = join(__dirname, '..', '..', 'sharing', 'dist', 'main.js');

/** The sharing service and the notification service together: what two members' terminals see of a share. */
describe('from the sharing service to the members', () => {
  let deployment: Deployment;
  let notification: NotificationInstance;
  let sharing: ChildService;
  let sharingBase = '';
  const org = uniqueName('org');
  const member = (id: string) => tokenIssuer.sign({ subject: id, role: 'member', tenant: org });

  async function call<T>(
    method: string,
    path: string,
    token: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }> {
    const response = await fetch(`${sharingBase}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as T };
  }

  beforeAll(async () => {
    deployment = await newDeployment();
    notification = await new NotificationInstance(deployment).start();
    const env = deploymentEnv(deployment, { LOG_LEVEL: 'info', MONGO_DB: uniqueName('sharing') });
    sharing = new ChildService(process.execPath, [sharingMain], { ...process.env, ...env }).start();
    const line = await waitFor(() => sharing.output.find((l) => l.includes('sharing listening')), {
      what: 'the sharing service to listen',
      timeoutMs: 60_000,
    });
    sharingBase = `http://127.0.0.1:${(JSON.parse(String(line)) as { port: number }).port}`;
  });

  afterAll(async () => {
    await sharing.kill('SIGTERM');
    await notification.stop();
    await deployment.gateway.stop();
  });

  test('B hears of the share with its deadline, A of the claim, and both of the result B records', async () => {
    expect(
      (await call('PUT', `/v1/organisations/${org}`, tokens.admin(), { name: 'Claims desk', locale: 'en' })).status,
    ).toBe(201);
    for (const id of ['wang', 'li'])
      expect((await call('PUT', `/v1/organisations/${org}/members/${id}`, tokens.admin(), { name: id })).status).toBe(
        201,
      );
    const wangStream = await StreamClient.open(notification.base, member('wang'));
    const liStream = await StreamClient.open(notification.base, member('li'));

    const x = await call<{ orderId: string }>('POST', '/v1/guarantee-orders', member('wang'), {
      reference: 'GP-E2E-1',
      orderType: 'inpatient',
      title: 'Ward 7 guarantee',
    });
    expect(x.status).toBe(201);
    const shared = await call<{ orderId: string; share: { claimDeadline: string } }>(
      'POST',
      `/v1/guarantee-orders/${x.body.orderId}/shares`,
      member('wang'),
      { targetId: 'li' },
    );
    expect(shared.status).toBe(201);
    const secondId = shared.body.orderId;

    const [offer] = await waitFor(() => liStream.notifications(), {
      what: 'the share on B’s stream',
      until: (n) => n.length >= 1,
    });
    expect(offer.message).toMatchObject({
      eventType: 'share.offered',
      orderId: secondId,
      category: 'sharing',
      countdown: { deadline: shared.body.share.claimDeadline },
    });

    expect((await call('POST', `/v1/guarantee-orders/${secondId}/claim`, member('li'))).status).toBe(200);
    const [claim] = await waitFor(() => wangStream.notifications(), {
      what: 'the claim on A’s stream',
      until: (n) => n.length >= 1,
    });
    expect(claim.message).toMatchObject({ eventType: 'share.claimed', orderId: x.body.orderId, status: 'claimed' });

    expect(
      (
        await call('POST', `/v1/guarantee-orders/${secondId}/result`, member('li'), {
          status: 'completed',
          note: 'admitted',
        })
      ).status,
    ).toBe(200);
    const toA = await waitFor(
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      () => wangStream.notifications().find((n: any) => n.message.eventType === 'guarantee-order.processed'),
      { what: 'the result on A’s stream' },
    );
    const toB = await waitFor(
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      () => liStream.notifications().find((n: any) => n.message.eventType === 'guarantee-order.processed'),
      { what: 'the result on B’s stream' },
    );
    expect(toA.message).toMatchObject({
      orderId: x.body.orderId,
      status: 'completed',
      title: 'Order GP-E2E-1 completed',
    });
    expect(toB.message).toMatchObject({ orderId: secondId, status: 'completed' });
    wangStream.close();
    liStream.close();
  });
});
