import { OrderAssigned, OrderPlaced, OrderStatusChanged } from '@orderpulse/contracts';
import { type RecordedRequest, waitFor } from '@orderpulse/testkit';

import {
  type Deployment,
  gorushOk,
  newDeployment,
  NotificationInstance,
  OrderEvents,
  SocketClient,
  StreamClient,
  tokens,
} from './support/notification-harness';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const pushesTo = (requests: RecordedRequest[], deviceToken: string) =>
  requests.filter((r) => (r.json as Json)?.notifications?.[0]?.tokens?.[0] === deviceToken);

describe('notification service: routing, push gateway, push log', () => {
  let deployment: Deployment;
  let service: NotificationInstance;
  let events: OrderEvents;

  beforeAll(async () => {
    deployment = await newDeployment();
    service = await new NotificationInstance(deployment).start();
    events = new OrderEvents(deployment);
  });

  afterAll(async () => {
    await events.stop();
    await service.stop();
    await deployment.gateway.stop();
  });

  beforeEach(() => deployment.gateway.answerAlways(gorushOk));

  test('a new order reaches the merchant socket, the customer stream and both devices, with the countdown', async () => {
    await service.register(tokens.merchant('m-new', 'clerk-1'), 'merchant-pad-1', {
      platform: 'android',
      deviceToken: 'tok-merchant-pad-1',
    });
    await service.register(tokens.customer('c-new'), 'customer-phone-1', {
      platform: 'ios',
      deviceToken: 'tok-customer-phone-1',
    });
    const socket = await SocketClient.open(service.base, tokens.merchant('m-new', 'clerk-2'));
    const stream = await StreamClient.open(service.base, tokens.customer('c-new'));
    expect(stream.status).toBe(200);

    const { orderId, data } = await events.placed({ merchantId: 'm-new', customerId: 'c-new' });

    const [toMerchant] = await waitFor(() => socket.notifications(), {
      what: 'merchant socket message',
      until: (f) => f.length > 0,
    });
    expect(toMerchant?.message).toMatchObject({
      orderId,
      eventType: 'order.placed',
      category: 'new_order',
      status: 'new',
      countdown: data.countdown,
    });
    expect(String(toMerchant?.message?.title)).toContain('New order');
    expect(Date.parse(String(toMerchant?.serverTime))).toBeGreaterThan(0);
    const [toCustomer] = await waitFor(() => stream.notifications(), {
      what: 'customer stream message',
      until: (n) => n.length > 0,
    });
    expect(toCustomer.message).toMatchObject({
      orderId,
      category: 'order_outcome',
      countdown: data.countdown,
      body: 'The store will answer within 3 min.',
    });

    const [merchantPush] = (await waitFor(() => pushesTo(deployment.gateway.requests, 'tok-merchant-pad-1'), {
      what: 'merchant push',
      until: (r) => r.length > 0,
    })) as [RecordedRequest];
    const sent = (merchantPush.json as Json).notifications[0];
    expect(merchantPush.path).toBe('/api/push');
    expect(merchantPush.headers.authorization).toBe('key=app-main-secret');
    expect(sent).toMatchObject({
      platform: 2,
      title: toMerchant?.message?.title,
      data: { appCode: 'app-main', orderId, deadline: data.countdown.deadline, serverTime: data.countdown.serverTime },
    });
    expect(sent.collapse_key).toBe(merchantPush.headers['idempotency-key']);
    const [customerPush] = (await waitFor(() => pushesTo(deployment.gateway.requests, 'tok-customer-phone-1'), {
      what: 'customer push',
      until: (r) => r.length > 0,
    })) as [RecordedRequest];
    expect((customerPush.json as Json).notifications[0]).toMatchObject({
      platform: 1,
      collapse_id: customerPush.headers['idempotency-key'],
    });

    const log = await waitFor(() => service.deliveries(`orderId=${orderId}`), {
      what: 'two delivered pushes',
      until: (d) => d.length === 2 && d.every((x) => x.status === 'delivered'),
    });
    expect(log.map((d) => d.recipient).sort()).toEqual(['customer:c-new', 'merchant:m-new']);
    socket.close();
    stream.close();
  });

  test('a gateway 5xx is retried with backoff until the gateway takes the push; a 4xx is not retried', async () => {
    await service.register(tokens.customer('c-retry'), 'phone-retry', { deviceToken: 'tok-retry' });
    deployment.gateway.answerAlways((r) =>
      pushesTo([r], 'tok-retry').length > 0 && pushesTo(deployment.gateway.requests, 'tok-retry').length <= 2
        ? { status: 503, body: { error: 'busy' } }
        : gorushOk(),
    );
    const { orderId } = await events.placed({ customerId: 'c-retry' });
    const [delivery] = await waitFor(() => service.deliveries(`orderId=${orderId}&recipient=customer:c-retry`), {
      what: 'delivered after retries',
      until: (d) => d[0]?.status === 'delivered',
    });
    expect((delivery.attempts as Json[]).map((a: Json) => a.outcome)).toEqual(['retry', 'retry', 'delivered']);
    expect(delivery.attempts[0].httpStatus).toBe(503);
    expect(pushesTo(deployment.gateway.requests, 'tok-retry')).toHaveLength(3);

    await service.register(tokens.customer('c-4xx'), 'phone-4xx', { deviceToken: 'tok-reject-4xx' });
    deployment.gateway.answerAlways((r) =>
      pushesTo([r], 'tok-reject-4xx').length > 0 ? { status: 400, body: { error: 'payload too large' } } : gorushOk(),
    );
    const second = await events.placed({ customerId: 'c-4xx' });
    const [refused] = await waitFor(() => service.deliveries(`orderId=${second.orderId}&recipient=customer:c-4xx`), {
      what: 'rejected push',
      until: (d) => d[0]?.status === 'rejected',
    });
    expect(refused.attempts).toHaveLength(1);
    expect(refused.attempts[0]).toMatchObject({ outcome: 'rejected', httpStatus: 400 });
    // Another event goes through the same queue; the refused push is still not tried again.
    await service.register(tokens.customer('c-other'), 'phone-other', { deviceToken: 'tok-other-phone' });
    const third = await events.placed({ customerId: 'c-other' });
    await waitFor(() => service.deliveries(`orderId=${third.orderId}`), {
      what: 'next order routed',
      until: (d) => d.length > 0,
    });
    expect(pushesTo(deployment.gateway.requests, 'tok-reject-4xx')).toHaveLength(1);
  });

  test('a countdown push expires with its deadline: time_to_live (FCM) and expiration (APNs), and a retry carries the time left, not a fresh lifetime', async () => {
    await service.register(tokens.merchant('m-ttl', 'clerk-ttl'), 'pad-ttl', {
      platform: 'android',
      deviceToken: 'tok-ttl-android',
    });
    await service.register(tokens.customer('c-ttl'), 'phone-ttl', { platform: 'ios', deviceToken: 'tok-ttl-ios' });
    deployment.gateway.answerAlways((r) =>
      pushesTo([r], 'tok-ttl-android').length > 0 &&
      pushesTo(deployment.gateway.requests, 'tok-ttl-android').length <= 2
        ? { status: 503, body: { error: 'busy' } }
        : gorushOk(),
    );
    const now = Date.now();
    const deadline = new Date(now + 60_000);
    const { orderId } = await events.placed({
      merchantId: 'm-ttl',
      customerId: 'c-ttl',
      countdown: { deadline: deadline.toISOString(), serverTime: new Date(now).toISOString() },
    });
    await waitFor(() => service.deliveries(`orderId=${orderId}`), {
      what: 'both delivered',
      until: (d) => d.length === 2 && d.every((x) => x.status === 'delivered'),
    });

    const tries = pushesTo(deployment.gateway.requests, 'tok-ttl-android');
    expect(tries).toHaveLength(3);
    for (const t of tries) {
      const sent = (t.json as Json).notifications[0];
      expect(sent.expiration).toBe(Math.ceil(deadline.getTime() / 1_000));
      // The seconds left when this try was made (give or take the second it took to arrive).
      expect(Math.abs(sent.time_to_live - (deadline.getTime() - t.at) / 1_000)).toBeLessThanOrEqual(1.5);
      expect(sent.time_to_live).toBeLessThanOrEqual(60);
    }
    const [ios] = pushesTo(deployment.gateway.requests, 'tok-ttl-ios') as [RecordedRequest];
    expect((ios.json as Json).notifications[0]).toMatchObject({
      platform: 1,
      expiration: Math.ceil(deadline.getTime() / 1_000),
    });
  });

  test('a countdown push still failing when its deadline passes is not sent after it: the log says expired', async () => {
    await service.register(tokens.customer('c-late'), 'phone-late', { platform: 'android', deviceToken: 'tok-late' });
    deployment.gateway.answerAlways((r) =>
      pushesTo([r], 'tok-late').length > 0 ? { status: 503, body: { error: 'busy' } } : gorushOk(),
    );
    const now = Date.now();
    const deadline = now + 800;
    const { orderId } = await events.placed({
      customerId: 'c-late',
      countdown: { deadline: new Date(deadline).toISOString(), serverTime: new Date(now).toISOString() },
    });
    const [delivery] = await waitFor(() => service.deliveries(`orderId=${orderId}&recipient=customer:c-late`), {
      what: 'an expired push',
      until: (d) => d[0]?.status === 'expired',
      timeoutMs: 20_000,
    });
    expect((delivery.attempts as Json[]).at(-1)).toMatchObject({ outcome: 'expired' });
    for (const t of pushesTo(deployment.gateway.requests, 'tok-late')) expect(t.at).toBeLessThan(deadline + 100);
  });

  test('a token the gateway calls invalid is pruned and gets nothing more', async () => {
    const customer = tokens.customer('c-prune');
    await service.register(customer, 'phone-dead', { platform: 'ios', deviceToken: 'tok-dead' });
    await service.register(customer, 'phone-alive', { platform: 'android', deviceToken: 'tok-alive' });
    deployment.gateway.answerAlways((r) =>
      pushesTo([r], 'tok-dead').length > 0
        ? {
            status: 200,
            body: {
              counts: 1,
              success: 'ok',
              logs: [{ type: 'failed-push', platform: 'ios', token: 'tok-dead', error: 'BadDeviceToken' }],
            },
          }
        : gorushOk(),
    );
    const first = await events.placed({ customerId: 'c-prune' });
    const log = await waitFor(() => service.deliveries(`orderId=${first.orderId}&recipient=customer:c-prune`), {
      what: 'both pushes settled',
      until: (d) => d.length === 2 && d.every((x) => x.status !== 'pending' && x.status !== 'sending'), // settled: not waiting, not at the gateway
    });
    expect(Object.fromEntries(log.map((d) => [d.installationId, d.status]))).toEqual({
      'phone-dead': 'token_invalid',
      'phone-alive': 'delivered',
    });
    const me = await service.call('GET', '/v1/me', customer);
    expect((me.body.installations as Json[]).map((i: Json) => i.installationId)).toEqual(['phone-alive']);

    const second = await events.placed({ customerId: 'c-prune' });
    await waitFor(() => service.deliveries(`orderId=${second.orderId}`), {
      what: 'second order delivered',
      until: (d) => d.length === 1 && d[0].status === 'delivered',
    });
    expect(pushesTo(deployment.gateway.requests, 'tok-dead')).toHaveLength(1);
    expect(pushesTo(deployment.gateway.requests, 'tok-alive')).toHaveLength(2);
  });

  test('a redelivered event sends no second push and no second realtime message', async () => {
    await service.register(tokens.customer('c-dup'), 'phone-dup', { deviceToken: 'tok-duplicate' });
    const { orderId, eventId, data } = await events.placed({ customerId: 'c-dup' });
    await waitFor(() => service.deliveries(`orderId=${orderId}&recipient=customer:c-dup`), {
      what: 'first delivery',
      until: (d) => d[0]?.status === 'delivered',
    });
    // The same event again, as Kafka may redeliver it, then a later event to know the first was processed.
    await events.publish(OrderPlaced, data, eventId);
    await events.publish(OrderStatusChanged, {
      ...data,
      version: 2,
      status: 'accepted',
      from: 'connected',
      by: { role: 'merchant', subject: 'clerk-1' },
    });
    await waitFor(() => service.deliveries(`orderId=${orderId}&recipient=customer:c-dup`), {
      what: 'acceptance delivered',
      until: (d) => d.length === 2 && d.every((x) => x.status === 'delivered'),
    });
    expect(pushesTo(deployment.gateway.requests, 'tok-duplicate')).toHaveLength(2);
    const replay = await SocketClient.open(service.base, tokens.customer('c-dup'), '0-0');
    const messages = await waitFor(() => replay.notifications(), {
      what: 'replayed backlog',
      until: (n) => n.length >= 2,
    });
    expect(messages.map((m) => m.message?.eventType)).toEqual(['order.placed', 'order.status-changed']);
    replay.close();
  });

  test('a muted category is not pushed (the log says why) but still reaches the realtime channel; a device locale is honoured', async () => {
    const merchant = tokens.merchant('m-mute');
    await service.register(merchant, 'pad-mute', { deviceToken: 'tok-mute' });
    await service.register(tokens.rider('rider-zh'), 'rider-phone', { deviceToken: 'tok-rider-zh', locale: 'zh-CN' });
    const muted = await service.call('PUT', '/v1/me/preferences', merchant, { muted: ['delivery_progress'] });
    expect(muted.status).toBe(200);
    const socket = await SocketClient.open(service.base, merchant);
    const { orderId, data } = await events.placed({ merchantId: 'm-mute', customerId: 'c-mute' });
    await events.publish(OrderAssigned, {
      ...data,
      version: 3,
      status: 'accepted',
      terminalId: 'rider-zh',
      strategy: 'region',
    });
    await events.publish(OrderStatusChanged, {
      ...data,
      version: 4,
      status: 'rider_at_store',
      from: 'rider_took',
      terminalId: 'rider-zh',
      by: { role: 'rider', subject: 'rider-zh' },
    });

    const log = await waitFor(() => service.deliveries(`orderId=${orderId}`), {
      what: 'three settled pushes',
      until: (d) => d.length === 3 && d.every((x) => x.status !== 'pending' && x.status !== 'sending'), // settled: not waiting, not at the gateway
    });
    const byInstallation = Object.fromEntries(log.map((d) => [`${d.installationId}:${d.category}`, d]));
    expect(byInstallation['pad-mute:new_order']?.status).toBe('delivered');
    expect(byInstallation['pad-mute:delivery_progress']?.status).toBe('muted');
    expect(byInstallation['rider-phone:assignment']?.title).toBe(`新配送单 #${orderId.slice(-6).toUpperCase()}`);
    const frames = await waitFor(() => socket.notifications(), {
      what: 'both merchant messages on the socket',
      until: (f) => f.length === 2,
    });
    expect(frames.map((f) => f.message?.category)).toEqual(['new_order', 'delivery_progress']);
    expect(pushesTo(deployment.gateway.requests, 'tok-mute')).toHaveLength(1);
    socket.close();
  });
});
