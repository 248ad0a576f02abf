import {
  createEnvelope,
  deadLetterTopic,
  encodeEnvelope,
  exampleSnapshot,
  OrderPlaced,
  Topics,
} from '@orderpulse/contracts';
import { uniqueName, waitFor } from '@orderpulse/testkit';
import type { KafkaMessage } from 'kafkajs';

import {
  type Deployment,
  newDeployment,
  NotificationInstance,
  OrderEvents,
  tokens,
} from './support/notification-harness';

describe('registry and bad input', () => {
  let deployment: Deployment;
  let service: NotificationInstance;
  let events: OrderEvents;

  beforeAll(async () => {
    deployment = await newDeployment();
    service = await new NotificationInstance(deployment).start();
    events = new OrderEvents(deployment);
    await service.call('PUT', '/v1/apps/app-reg', tokens.admin(), {
      name: 'Registry app',
      authorization: 'key=secret-value',
    });
  });

  afterAll(async () => {
    await events.stop();
    await service.stop();
    await deployment.gateway.stop();
  });

  test('apps are kept by admins; their credentials are never shown back', async () => {
    const shown = await service.call('GET', '/v1/apps/app-reg', tokens.admin());
    expect(shown.body).toEqual({ appCode: 'app-reg', name: 'Registry app', provider: 'gorush', hasCredentials: true });
    expect(JSON.stringify(shown.body)).not.toContain('secret-value');
    expect((await service.call('PUT', '/v1/apps/app-x', tokens.merchant(), { name: 'x' })).status).toBe(403);
    expect((await service.call('GET', '/v1/apps/app-missing', tokens.admin())).status).toBe(404);
  });

  test('registering, re-registering, moving and unregistering an installation', async () => {
    const body = { appCode: 'app-reg', platform: 'ios', deviceToken: 'apns-token-0001' };
    const created = await service.call('PUT', '/v1/installations/inst-1', tokens.customer('c-a'), body);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ installationId: 'inst-1', recipient: 'customer:c-a' });
    const updated = await service.call('PUT', '/v1/installations/inst-1', tokens.customer('c-a'), {
      ...body,
      deviceToken: 'apns-token-0002',
      locale: 'zh-CN',
    });
    expect(updated.status).toBe(200);
    // The same device signed in as someone else belongs to them now.
    const moved = await service.call('PUT', '/v1/installations/inst-1', tokens.customer('c-b'), {
      ...body,
      deviceToken: 'apns-token-0002',
    });
    expect(moved.status).toBe(201);
    expect((await service.call('GET', '/v1/me', tokens.customer('c-a'))).body.installations).toEqual([]);
    // A reinstall (new installation id, same token) replaces the old installation.
    await service.call('PUT', '/v1/installations/inst-2', tokens.customer('c-b'), {
      ...body,
      deviceToken: 'apns-token-0002',
    });
    const me = await service.call('GET', '/v1/me', tokens.customer('c-b'));
    expect(me.body).toMatchObject({
      recipient: 'customer:c-b',
      muted: [],
      installations: [{ installationId: 'inst-2', appCode: 'app-reg', platform: 'ios' }],
    });
    expect(JSON.stringify(me.body)).not.toContain('apns-token');
    expect((await service.call('DELETE', '/v1/installations/inst-2', tokens.customer('c-b'))).status).toBe(204);
    expect((await service.call('GET', '/v1/me', tokens.customer('c-b'))).body.installations).toEqual([]);
    // Merchant clerks register for their merchant.
    const clerk = await service.call('PUT', '/v1/installations/pad-9', tokens.merchant('m-9', 'clerk-9'), {
      ...body,
      platform: 'android',
      deviceToken: 'fcm-token-0009',
    });
    expect(clerk.body.recipient).toBe('merchant:m-9');
  });

  test('an installation id known to someone else does not take the device: moving it needs the same app and device token', async () => {
    const tablet = { appCode: 'app-reg', platform: 'android', deviceToken: 'fcm-merchant-tablet-0042' };
    expect(
      (await service.call('PUT', '/v1/installations/tablet-42', tokens.merchant('m-42', 'clerk-42'), tablet)).status,
    ).toBe(201);

    // A customer, and a member of some organisation, who learned the id and send their own tokens.
    for (const thief of [
      tokens.customer('c-thief'),
      tokens.member('org-elsewhere', 'mallory'),
      tokens.merchant('m-other', 'clerk-x'),
    ]) {
      const taken = await service.call('PUT', '/v1/installations/tablet-42', thief, {
        ...tablet,
        deviceToken: 'fcm-thief-phone-0001',
      });
      expect(taken.status).toBe(409);
      expect(taken.type).toContain('application/problem+json');
      expect(taken.body).toMatchObject({
        status: 409,
        code: 'CONFLICT',
        installationId: 'tablet-42',
        check: 'possession',
      });
      expect((await service.call('GET', '/v1/me', thief)).body.installations).toEqual([]);
    }
    const merchant = await service.call('GET', '/v1/me', tokens.merchant('m-42', 'clerk-7'));
    expect(merchant.body.installations).toEqual([expect.objectContaining({ installationId: 'tablet-42' })]);
    // Another clerk of the same merchant updates it in place: it stays the merchant's.
    expect(
      (
        await service.call('PUT', '/v1/installations/tablet-42', tokens.merchant('m-42', 'clerk-7'), {
          ...tablet,
          locale: 'en',
        })
      ).status,
    ).toBe(200);

    // The device itself (same app, same token), signed in as someone else, moves.
    const moved = await service.call('PUT', '/v1/installations/tablet-42', tokens.merchant('m-43', 'clerk-43'), tablet);
    expect(moved.status).toBe(201);
    expect((await service.call('GET', '/v1/me', tokens.merchant('m-42'))).body.installations).toEqual([]);
  });

  test.each([
    ['no body', undefined, 400],
    ['unknown platform', { appCode: 'app-reg', platform: 'symbian', deviceToken: 'token-00001' }, 400],
    ['token with spaces', { appCode: 'app-reg', platform: 'ios', deviceToken: 'not a token' }, 400],
    ['extra field', { appCode: 'app-reg', platform: 'ios', deviceToken: 'token-00001', admin: true }, 400],
    ['unknown app code', { appCode: 'app-nope', platform: 'ios', deviceToken: 'token-00001' }, 422],
    ['not JSON', '{"appCode":', 400],
  ])('a malformed registration (%s) is refused with a problem', async (_what, body, status) => {
    const res = await service.call('PUT', '/v1/installations/inst-bad', tokens.customer(), body);
    expect(res.status).toBe(status);
    expect(res.type).toContain('application/problem+json');
  });

  test('registrations need a token and a role that receives notifications; ids are checked', async () => {
    const body = { appCode: 'app-reg', platform: 'ios', deviceToken: 'token-00001' };
    expect((await service.call('PUT', '/v1/installations/inst-x', undefined, body)).status).toBe(401);
    expect((await service.call('PUT', '/v1/installations/inst-x', tokens.storefront(), body)).status).toBe(403);
    expect((await service.call('PUT', '/v1/installations/has.dots', tokens.customer(), body)).status).toBe(400);
    expect((await service.call('PUT', '/v1/me/preferences', tokens.customer(), { muted: ['everything'] })).status).toBe(
      400,
    );
  });

  test('the push log is readable by admins for anyone and by others only for themselves', async () => {
    expect((await service.call('GET', '/v1/pushes?recipient=customer:c-a', tokens.customer('c-b'))).status).toBe(403);
    expect((await service.call('GET', '/v1/pushes', tokens.admin())).status).toBe(400);
    expect((await service.call('GET', '/v1/pushes?limit=100000&recipient=x', tokens.admin())).status).toBe(400);
    expect((await service.call('GET', '/v1/pushes?orderId=o-1', tokens.customer('c-b'))).body).toEqual({
      pushes: [],
    });
  });

  test('the push log’s first path, /v1/deliveries, answers as before and says it is deprecated, until when, and what replaces it', async () => {
    const first = await service.call('GET', '/v1/deliveries?orderId=o-1', tokens.customer('c-b'));
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ deliveries: [] });
    expect(first.headers.get('deprecation')).toBe('@1796601600'); // RFC 9745: 2026-12-07T00:00:00Z
    expect(first.headers.get('sunset')).toBe('Mon, 07 Jun 2027 00:00:00 GMT'); // RFC 8594
    // Relative, so that behind the gateway (/api/notification/v1/deliveries) it names /api/notification/v1/pushes.
    expect(first.headers.get('link')).toBe('<pushes>; rel="successor-version"');
    const successor = /^<([^>]+)>/.exec(first.headers.get('link') ?? '')![1]!;
    expect(new URL(successor, 'http://gateway/api/notification/v1/deliveries?orderId=o-1').pathname).toBe(
      '/api/notification/v1/pushes',
    );
    expect((await service.call('GET', '/v1/deliveries?recipient=customer:c-a', tokens.customer('c-b'))).status).toBe(
      403,
    );
    expect(
      (await service.call('GET', '/v1/pushes?orderId=o-1', tokens.customer('c-b'))).headers.get('deprecation'),
    ).toBe(null);
  });

  test('malformed and invalid events go to the dead-letter topic with the reason; the next event is still routed', async () => {
    const dlq: KafkaMessage[] = [];
    const reader = deployment.kafka.kafka.consumer({ groupId: uniqueName('dlq-reader') });
    await reader.connect();
    await reader.subscribe({
      topic: deadLetterTopic(`${deployment.prefix}${Topics.orderEvents}`),
      fromBeginning: true,
    });
    await reader.run({ eachMessage: async ({ message }) => void dlq.push(message) });
    try {
      const wireOf = (subject: string, data: unknown) =>
        encodeEnvelope(
          createEnvelope({ type: OrderPlaced.type, version: OrderPlaced.version, source: 'test', subject, data }),
        );
      const notJson = wireOf('ord-not-json', {});
      await events.raw('ord-not-json', '{ not json', notJson.headers);
      const broken = wireOf('ord-broken', {
        ...exampleSnapshot,
        orderId: 'ord-broken',
        countdown: { deadline: 'tomorrow', serverTime: 'now' },
      });
      await events.raw('ord-broken', broken.value, broken.headers);
      await service.register(tokens.merchant('m-dlq'), 'pad-dlq', {
        appCode: 'app-reg',
        deviceToken: 'token-after-dlq',
      });
      const good = await events.placed({ merchantId: 'm-dlq' });
      await waitFor(() => service.deliveries(`orderId=${good.orderId}&recipient=merchant:m-dlq`), {
        what: 'the valid order pushed',
        until: (d) => d[0]?.status === 'delivered',
      });
      const dead = await waitFor(() => dlq, { what: 'two dead letters', until: (m) => m.length >= 2 });
      const reasons = dead.map((m) => m.headers?.['x-dlq-reason']?.toString() ?? '');
      expect(reasons.some((r) => /json|decode|parse/i.test(r))).toBe(true);
      expect(reasons.some((r) => r.includes('countdown'))).toBe(true);
    } finally {
      await reader.disconnect();
    }
    const ready = await service.call('GET', '/readyz', undefined);
    expect(ready.status).toBe(200);
  });
});
