import { OrderStatusChanged } from '@orderpulse/contracts';
import { rawRequest, rawWebSocketUpgrade, waitFor } from '@orderpulse/testkit';

import {
  type Deployment,
  newDeployment,
  NotificationInstance,
  OrderEvents,
  SocketClient,
  StreamClient,
  tokens,
} from './support/notification-harness';

describe('realtime channels', () => {
  let deployment: Deployment;
  let one: NotificationInstance;
  let two: NotificationInstance;
  let events: OrderEvents;

  beforeAll(async () => {
    deployment = await newDeployment();
    // Two instances of one deployment: same topics, group, database and Redis keys.
    one = await new NotificationInstance(deployment).start({ REALTIME_HEARTBEAT_SECONDS: '1' });
    two = await new NotificationInstance(deployment).start({ REALTIME_HEARTBEAT_SECONDS: '1' });
    events = new OrderEvents(deployment);
  });

  afterAll(async () => {
    await events.stop();
    await Promise.all([one.stop(), two.stop()]);
    await deployment.gateway.stop();
  });

  test('a handshake the WebSocket library refuses (version, key) is a 400 problem document, as every refusal here is', async () => {
    for (const headers of [
      { 'sec-websocket-version': '12' },
      { 'sec-websocket-key': undefined },
      { 'sec-websocket-key': 'short' },
    ]) {
      const { status, head, socket } = await rawWebSocketUpgrade(one.base, '/v1/realtime/ws', {
        ...headers,
        authorization: `Bearer ${tokens.customer('c-1')}`,
      });
      socket.destroy();
      expect([JSON.stringify(headers), status]).toEqual([JSON.stringify(headers), 400]);
      expect(head).toMatch(/\r\ncontent-type: application\/problem\+json\r\n/);
      if (headers['sec-websocket-version']) expect(head).toMatch(/\r\nsec-websocket-version: 13\r\n/);
    }
  });

  test('with two instances, each delivers to its own sockets, whichever consumed the event', async () => {
    const onOne = await SocketClient.open(one.base, tokens.merchant('m-two', 'clerk-a'));
    const onTwo = await SocketClient.open(two.base, tokens.merchant('m-two', 'clerk-b'), undefined, 'header');
    const otherMerchant = await SocketClient.open(two.base, tokens.merchant('m-else'));
    const placed = [];
    for (let i = 0; i < 6; i += 1)
      placed.push((await events.placed({ merchantId: 'm-two', customerId: `c-${i}` })).orderId);

    for (const socket of [onOne, onTwo]) {
      const frames = await waitFor(() => socket.notifications(), {
        what: 'six new orders on the socket',
        until: (f) => f.length >= 6,
      });
      expect(frames.map((f) => f.message?.orderId).sort()).toEqual([...placed].sort());
    }
    expect(one.service.connections().websocket).toBe(1);
    expect(two.service.connections().websocket).toBe(2);
    expect(otherMerchant.notifications()).toHaveLength(0);
    for (const s of [onOne, onTwo, otherMerchant]) s.close();
  });

  test('a reconnecting socket passes its cursor and gets exactly what it missed, then live messages', async () => {
    const merchant = tokens.merchant('m-reconnect');
    const first = await SocketClient.open(one.base, merchant);
    const a = await events.placed({ merchantId: 'm-reconnect' });
    const [seen] = await waitFor(() => first.notifications(), { what: 'first message', until: (f) => f.length === 1 });
    first.close();
    await waitFor(() => first.closed, { what: 'socket closed' });

    const watcher = await SocketClient.open(one.base, tokens.merchant('m-reconnect', 'clerk-watching'));
    const b = await events.placed({ merchantId: 'm-reconnect' });
    const c = await events.placed({ merchantId: 'm-reconnect' });
    // Only once both are in the backlog (another terminal of the merchant has them) does the first come back.
    await waitFor(() => watcher.notifications(), {
      what: 'both missed orders in the backlog',
      until: (f) => f.length === 2,
    });
    const catchUp = await SocketClient.open(two.base, merchant, seen?.cursor);
    const missed = await waitFor(() => catchUp.notifications(), {
      what: 'the two missed orders',
      until: (f) => f.length >= 2,
    });
    // Two orders, two partitions: consumed side by side, so either may come first.
    expect(missed.map((f) => f.message?.orderId).sort()).toEqual([b.orderId, c.orderId].sort());
    expect(catchUp.hello()).toMatchObject({ gap: false, cursor: seen?.cursor, replayed: 2 });
    watcher.close();
    expect(catchUp.hello()).toMatchObject({ gap: false, cursor: seen?.cursor });
    expect(missed.map((f) => f.message?.orderId)).not.toContain(a.orderId);

    await events.publish(OrderStatusChanged, {
      ...c.data,
      version: 3,
      status: 'not_answered',
      from: 'connected',
      by: { role: 'system', subject: 'response-deadline' },
    });
    const all = await waitFor(() => catchUp.notifications(), {
      what: 'the live message after the replay',
      until: (f) => f.length === 3,
    });
    expect(all[2]?.message).toMatchObject({ orderId: c.orderId, status: 'not_answered', category: 'order_outcome' });
    expect(new Set(all.map((f) => f.cursor)).size).toBe(3);
    catchUp.close();
  });

  test('a customer stream resumes from Last-Event-ID and is scoped to its own orders', async () => {
    const customer = tokens.customer('c-sse');
    const stream = await StreamClient.open(one.base, customer);
    const first = await events.placed({ customerId: 'c-sse' });
    await events.placed({ customerId: 'c-someone-else' });
    const [message] = await waitFor(() => stream.events.filter((e) => e.event === 'notification'), {
      what: 'first stream event',
      until: (e) => e.length === 1,
    });
    stream.close();
    const watcher = await StreamClient.open(one.base, customer);
    const second = await events.placed({ customerId: 'c-sse' });
    await waitFor(() => watcher.notifications(), { what: 'second order in the backlog', until: (n) => n.length === 1 });
    const resumed = await StreamClient.open(two.base, customer, message?.id);
    const missed = await waitFor(() => resumed.notifications(), {
      what: 'missed order on the resumed stream',
      until: (n) => n.length >= 1,
    });
    expect(missed.map((n) => n.message.orderId)).toEqual([second.orderId]);
    expect(message?.data).toContain(first.orderId);
    expect(resumed.events.find((e) => e.event === 'hello')?.data).toContain('"replayed":1');
    resumed.close();
    watcher.close();
  });

  test('sockets and streams are pinged; a socket that stops answering pings is closed', async () => {
    const socket = await SocketClient.open(one.base, tokens.rider('rider-hb'));
    const stream = await StreamClient.open(one.base, tokens.customer('c-hb'));
    await waitFor(() => socket.pings >= 2 && stream.comments >= 2, {
      what: 'two heartbeats on each',
      timeoutMs: 10_000,
    });
    expect(socket.closed).toBeUndefined();
    socket.close();
    stream.close();

    const silent = await rawWebSocketUpgrade(one.base, '/v1/realtime/ws', {
      authorization: `Bearer ${tokens.rider('rider-silent')}`,
      'sec-websocket-protocol': 'orderpulse.v1',
    });
    expect(silent.status).toBe(101);
    await silent.closed;
    expect(silent.socket.destroyed).toBe(true);
  });

  test('an unauthenticated, forbidden or malformed upgrade is refused with a problem, never a 5xx', async () => {
    await expect(SocketClient.open(one.base, 'not-a-token')).rejects.toThrow(/401/);
    await expect(SocketClient.open(one.base, tokens.storefront())).rejects.toThrow(/403/);
    await expect(SocketClient.open(one.base, tokens.merchant('m-1'), 'not-a-cursor')).rejects.toThrow(/400/);
    const wrongPath = await rawWebSocketUpgrade(one.base, '/v1/elsewhere', {
      authorization: `Bearer ${tokens.customer()}`,
    });
    expect(wrongPath.status).toBe(404);
    expect(wrongPath.head).toContain('content-type: application/problem+json');
    const noToken = await rawWebSocketUpgrade(one.base, '/v1/realtime/ws', {});
    expect(noToken.status).toBe(401);
    expect(noToken.rest.toString('utf8')).toContain('"code":"UNAUTHENTICATED"');
    const sse = await fetch(`${one.base}/v1/realtime/events?cursor=garbage`, {
      headers: { authorization: `Bearer ${tokens.customer()}` },
    });
    expect(sse.status).toBe(400);
    expect(sse.headers.get('content-type')).toContain('application/problem+json');
    // Shaped like a stream id but past Redis's 64-bit halves (the fuzz found it a 500): refused at the door, on both channels.
    for (const cursor of ['1700000000000-18446744073709551616', '18446744073709551616-0']) {
      const resumed = await fetch(`${one.base}/v1/realtime/events`, {
        headers: { authorization: `Bearer ${tokens.customer()}`, 'last-event-id': cursor },
      });
      expect([cursor, resumed.status, resumed.headers.get('content-type')]).toEqual([
        cursor,
        400,
        expect.stringContaining('application/problem+json'),
      ]);
      await expect(SocketClient.open(one.base, tokens.customer(), cursor)).rejects.toThrow(/400/);
    }
    const edge = new AbortController();
    const largest = await fetch(`${one.base}/v1/realtime/events`, {
      headers: {
        authorization: `Bearer ${tokens.customer()}`,
        'last-event-id': '18446744073709551615-18446744073709551615',
      },
      signal: edge.signal,
    });
    expect(largest.status).toBe(200);
    edge.abort();
    const anonymous = await fetch(`${one.base}/v1/realtime/events`);
    expect(anonymous.status).toBe(401);
    const viaQuery = await fetch(`${one.base}/v1/realtime/events?access_token=${tokens.customer('c-query')}`);
    expect(viaQuery.status).toBe(200);
    expect(viaQuery.headers.get('content-type')).toContain('text/event-stream');
    await viaQuery.body?.cancel();
  });
});

describe('a client that comes back after more messages than the backlog keeps', () => {
  let deployment: Deployment;
  let instance: NotificationInstance;
  let events: OrderEvents;

  beforeAll(async () => {
    deployment = await newDeployment();
    instance = await new NotificationInstance(deployment).start({ REALTIME_BACKLOG: '10' });
    events = new OrderEvents(deployment);
  });

  afterAll(async () => {
    await events.stop();
    await instance.stop();
    await deployment.gateway.stop();
  });

  test('with REALTIME_BACKLOG=10, an SSE stream that missed 30 messages is told gap: true and goes on from the newest', async () => {
    const customer = tokens.customer('c-away');
    const stream = await StreamClient.open(instance.base, customer);
    await events.placed({ customerId: 'c-away' });
    const [seen] = await waitFor(() => stream.events.filter((e) => e.event === 'notification'), {
      what: 'the first message',
      until: (e) => e.length === 1,
    });
    stream.close();
    const watcher = await StreamClient.open(instance.base, tokens.customer('c-away'));
    for (let i = 0; i < 30; i += 1) await events.placed({ customerId: 'c-away' });
    const missed = await waitFor(() => watcher.notifications(), {
      what: '30 messages in the backlog',
      until: (n) => n.length === 30,
      timeoutMs: 30_000,
    });
    watcher.close();

    const resumed = await StreamClient.open(instance.base, customer, seen?.id);
    const hello = await waitFor(() => resumed.events.find((e) => e.event === 'hello'), { what: 'hello' });
    expect(JSON.parse(hello!.data)).toMatchObject({ gap: true, replayed: 0, cursor: missed[29].cursor });
    resumed.close();
  });

  test('a WebSocket whose cursor is still in the backlog gets everything after it, gap: false', async () => {
    const merchant = tokens.merchant('m-near');
    const watcher = await SocketClient.open(instance.base, merchant);
    for (let i = 0; i < 4; i += 1) await events.placed({ merchantId: 'm-near' });
    const frames = await waitFor(() => watcher.notifications(), {
      what: 'four messages',
      until: (f) => f.length === 4,
    });
    watcher.close();
    const back = await SocketClient.open(instance.base, merchant, frames[0]?.cursor);
    await waitFor(() => back.notifications(), { what: 'the three after the cursor', until: (f) => f.length === 3 });
    expect(back.hello()).toMatchObject({ gap: false, replayed: 3 });
    back.close();
  });

  test("a WebSocket cursor that is well-formed but not this backlog's (ahead of its newest, or of a backlog that is gone) is a gap, and live messages still arrive", async () => {
    const merchant = tokens.merchant('m-ahead');
    const ahead = await SocketClient.open(instance.base, merchant, '99999999999999-0');
    await waitFor(() => ahead.hello(), { what: 'hello' });
    expect(ahead.hello()).toMatchObject({ gap: true, replayed: 0, cursor: '0-0' });
    const placed = await events.placed({ merchantId: 'm-ahead' });
    const live = await waitFor(() => ahead.notifications(), { what: 'the live message', until: (f) => f.length === 1 });
    expect(live[0]?.message?.orderId).toBe(placed.orderId);
    ahead.close();
    const stale = await SocketClient.open(instance.base, tokens.merchant('m-never'), '1700000000000-0');
    await waitFor(() => stale.hello(), { what: 'hello' });
    expect(stale.hello()).toMatchObject({ gap: true });
    stale.close();
  });
});

describe('odd reads of the event stream', () => {
  let deployment: Deployment;
  let instance: NotificationInstance;

  beforeAll(async () => {
    deployment = await newDeployment();
    instance = await new NotificationInstance(deployment).start();
  });

  afterAll(async () => {
    await instance.stop();
    await deployment.gateway.stop();
  });

  test('is answered with the head at once, not held open (found by the fuzz suite)', async () => {
    const head = await fetch(`${instance.base}/v1/realtime/events`, {
      method: 'HEAD',
      headers: { authorization: `Bearer ${tokens.customer('c-head')}` },
      signal: AbortSignal.timeout(3_000),
    });
    expect([head.status, head.headers.get('content-type')]).toEqual([200, 'text/event-stream; charset=utf-8']);
  });

  test('a stream opened by a GET that carried a body is let go when its client leaves (a request closes once its body is read)', async () => {
    const opened = await rawRequest(Number(new URL(instance.base).port), '/v1/realtime/events', {
      headers: { authorization: `Bearer ${tokens.customer('c-body')}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(opened.status).toBe(200);
    // rawRequest hangs up on an event stream's head: the service must drop the stream then.
    await waitFor(() => instance.service.connections().sse, {
      what: 'the stream let go',
      until: (n) => n === 0,
      timeoutMs: 5_000,
    });
  });
});
