import { RecordingServer, uniqueName, waitFor } from '@orderpulse/testkit';

import {
  type Deployment,
  newDeployment,
  NotificationInstance,
  SocketClient,
  StreamClient,
  tokens,
} from './support/notification-harness';

/**
 * A realtime connection lasts only as long as the right that opened it: the token's lifetime,
 * and for a member, membership of the organisation (asked of the sharing service with the
 * member's own token; here a loopback server answering as the sharing service does).
 */
describe('realtime connections end with the access that opened them', () => {
  let deployment: Deployment;
  let notification: NotificationInstance;
  const sharing = new RecordingServer();
  const deactivated = new Set<string>();

  beforeAll(async () => {
    // GET /v1/organisations/:orgId answers a member 200 while it is an active member, else 404 (services/sharing organisation.routes).
    sharing.answerAlways((request) => {
      const member = JSON.parse(
        Buffer.from(String(request.headers.authorization).split('.')[1] ?? '', 'base64url').toString('utf8'),
      ) as { sub: string; tenant: string };
      return deactivated.has(`${member.tenant}:${member.sub}`)
        ? {
            status: 404,
            body: {
              type: 'urn:orderpulse:problem:not-found',
              status: 404,
              code: 'NOT_FOUND',
              detail: `organisation ${member.tenant} not found`,
            },
            headers: { 'content-type': 'application/problem+json' },
          }
        : { status: 200, body: { orgId: member.tenant, name: 'Claims', locale: 'en', active: true } };
    });
    await sharing.start();
    deployment = await newDeployment();
    notification = await new NotificationInstance(deployment).start({
      SHARING_URL: sharing.url,
      REALTIME_RECHECK_SECONDS: '1',
    });
  });

  afterAll(async () => {
    await notification.stop();
    await deployment.gateway.stop();
    await sharing.stop();
  });

  test('a socket whose token expires is closed with 4401 token_expired; one with a fresh token stays open', async () => {
    const org = uniqueName('org');
    const shortLived = await SocketClient.open(notification.base, tokens.member(org, 'alice', 2));
    const fresh = await SocketClient.open(notification.base, tokens.member(org, 'bob'));
    const closed = await waitFor(() => shortLived.closed, { what: 'the expired socket closed', timeoutMs: 6_000 });
    expect(closed).toEqual({ code: 4401, reason: 'token_expired' });
    expect(fresh.closed).toBeUndefined();
    fresh.close();
  });

  test('an event stream whose token expires says event: unauthorized with the reason, then ends', async () => {
    const stream = await StreamClient.open(notification.base, tokens.member(uniqueName('org'), 'carol', 2));
    expect(stream.status).toBe(200);
    await waitFor(() => stream.ended, { what: 'the expired stream ended', timeoutMs: 6_000 });
    const last = stream.events.at(-1);
    expect(last?.event).toBe('unauthorized');
    expect(JSON.parse(last?.data ?? '{}')).toEqual({ type: 'unauthorized', reason: 'token_expired', code: 4401 });
  });

  test('a member deactivated in its organisation loses its socket (4403) and its stream; another member keeps theirs', async () => {
    const org = uniqueName('org');
    const socket = await SocketClient.open(notification.base, tokens.member(org, 'dave'));
    const stream = await StreamClient.open(notification.base, tokens.member(org, 'dave'));
    const colleague = await SocketClient.open(notification.base, tokens.member(org, 'erin'));
    await waitFor(() => sharing.requests.filter((r) => r.path === `/v1/organisations/${org}`), {
      what: 'the membership asked',
      until: (r) => r.length >= 3,
    });
    expect(socket.closed).toBeUndefined();

    deactivated.add(`${org}:dave`);
    expect(await waitFor(() => socket.closed, { what: 'the socket closed', timeoutMs: 5_000 })).toEqual({
      code: 4403,
      reason: 'member_deactivated',
    });
    await waitFor(() => stream.ended, { what: 'the stream ended', timeoutMs: 5_000 });
    expect(stream.events.at(-1)?.event).toBe('unauthorized');
    expect(colleague.closed).toBeUndefined();
    colleague.close();
  });

  test('when the sharing service cannot be asked, members stay connected', async () => {
    const org = uniqueName('org');
    const socket = await SocketClient.open(notification.base, tokens.member(org, 'frank'));
    const asked = sharing.requests.length;
    sharing.answerNext({ status: 503, body: { status: 503 } }, { status: 503, body: { status: 503 } });
    await waitFor(() => sharing.requests.length, {
      what: 'two more checks',
      until: (n) => n >= asked + 3,
      timeoutMs: 8_000,
    });
    expect(socket.closed).toBeUndefined();
    socket.close();
  });
});
