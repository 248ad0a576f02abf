import { exampleShare, GuaranteeOrderProcessed, ShareOffered } from '@orderpulse/contracts';
import { uniqueName, waitFor } from '@orderpulse/testkit';

import {
  type Deployment,
  newDeployment,
  NotificationInstance,
  OrderEvents,
  SocketClient,
  StreamClient,
  tokens,
} from './support/notification-harness';

/**
 * Member ids are unique only inside an organisation: two organisations may each have an `alice`.
 * What is said to one must never reach the other — not on her stream, her socket, her devices or
 * her push log.
 */
describe('two organisations, each with a member alice', () => {
  let deployment: Deployment;
  let notification: NotificationInstance;
  let events: OrderEvents;

  beforeAll(async () => {
    deployment = await newDeployment();
    notification = await new NotificationInstance(deployment).start();
    events = new OrderEvents(deployment);
  });

  afterAll(async () => {
    await events.stop();
    await notification.stop();
    await deployment.gateway.stop();
  });

  test('a share offered to X’s alice reaches her stream, socket and phone, and nothing of it reaches Y’s alice', async () => {
    const [x, y] = [uniqueName('org-x'), uniqueName('org-y')];
    const alice = uniqueName('alice');
    const [xInstallation, yInstallation] = [uniqueName('inst-x'), uniqueName('inst-y')];
    await notification.register(tokens.member(x, alice), xInstallation, { deviceToken: `phone-of-x-${xInstallation}` });
    await notification.register(tokens.member(y, alice), yInstallation, { deviceToken: `phone-of-y-${yInstallation}` });
    const xStream = await StreamClient.open(notification.base, tokens.member(x, alice));
    const yStream = await StreamClient.open(notification.base, tokens.member(y, alice));
    const ySocket = await SocketClient.open(notification.base, tokens.member(y, alice));

    // A claim window still open: a share whose window has closed is not pushed (its push expires with it).
    const open = { claimDeadline: new Date(Date.now() + 600_000).toISOString(), serverTime: new Date().toISOString() };
    const xShare = `so_${uniqueName('sx').replaceAll('-', '')}`;
    await events.publish(ShareOffered, {
      ...exampleShare,
      ...open,
      orgId: x,
      shareId: xShare,
      targetId: alice,
      reference: 'GP-X-SECRET',
      locale: 'en',
    });
    // Then one for Y's alice: once it is in, anything X's share would have put on her channels is in too.
    const yShare = `so_${uniqueName('sy').replaceAll('-', '')}`;
    await events.publish(ShareOffered, {
      ...exampleShare,
      ...open,
      orgId: y,
      shareId: yShare,
      targetId: alice,
      reference: 'GP-Y-OWN',
      locale: 'en',
    });

    const [toX] = await waitFor(() => xStream.notifications(), {
      what: 'X’s share on X’s alice’s stream',
      until: (n) => n.length >= 1,
    });
    expect(toX.message).toMatchObject({ orderId: xShare, eventType: 'share.offered' });
    await waitFor(() => yStream.notifications(), {
      what: 'Y’s share on Y’s alice’s stream',
      until: (n) => n.length >= 1,
    });
    await waitFor(() => ySocket.notifications(), {
      what: 'Y’s share on Y’s alice’s socket',
      until: (n) => n.length >= 1,
    });
    await waitFor(() => deployment.gateway.requests.filter((r) => r.body.includes(xShare) || r.body.includes(yShare)), {
      what: 'both pushes',
      until: (r) => r.length >= 2,
    });

    expect(yStream.notifications().map((n) => n.message.orderId)).toEqual([yShare]);
    expect(ySocket.notifications().map((n) => n.message?.orderId)).toEqual([yShare]);
    expect(xStream.notifications().map((n) => n.message.orderId)).toEqual([xShare]);
    const xPushes = deployment.gateway.requests.filter((r) => r.body.includes(xShare));
    expect(xPushes).toHaveLength(1);
    expect(xPushes[0]?.body).toContain(`phone-of-x-${xInstallation}`);
    expect(xPushes[0]?.body).not.toContain(`phone-of-y-${yInstallation}`);
    const yLog = await notification.deliveries('limit=100', tokens.member(y, alice));
    expect(yLog.map((d: { orderId: string }) => d.orderId)).toEqual([yShare]);
    xStream.close();
    yStream.close();
    ySocket.close();
  });

  test('a processing result in X reaches X’s members only, however their ids repeat in Y', async () => {
    const [x, y] = [uniqueName('org-x'), uniqueName('org-y')];
    const [owner, holder] = [uniqueName('owner'), uniqueName('holder')];
    const yOwner = await StreamClient.open(notification.base, tokens.member(y, owner));
    const yHolder = await SocketClient.open(notification.base, tokens.member(y, holder));
    const xOwner = await StreamClient.open(notification.base, tokens.member(x, owner));
    const example = GuaranteeOrderProcessed.schema.parse(GuaranteeOrderProcessed.example);
    const xOrder = `go_${uniqueName('ox').replaceAll('-', '')}`;
    await events.publish(GuaranteeOrderProcessed, {
      ...example,
      orgId: x,
      orderId: xOrder,
      ownerId: owner,
      by: { memberId: holder, orderId: 'so_x1' },
      linked: [{ orderId: 'so_x1', memberId: holder }],
    });
    const yOrder = `go_${uniqueName('oy').replaceAll('-', '')}`;
    await events.publish(GuaranteeOrderProcessed, {
      ...example,
      orgId: y,
      orderId: yOrder,
      ownerId: owner,
      by: { memberId: holder, orderId: 'so_y1' },
      linked: [{ orderId: 'so_y1', memberId: holder }],
    });

    await waitFor(() => xOwner.notifications(), { what: 'X’s result on X’s owner', until: (n) => n.length >= 1 });
    await waitFor(() => yOwner.notifications(), { what: 'Y’s result on Y’s owner', until: (n) => n.length >= 1 });
    await waitFor(() => yHolder.notifications(), { what: 'Y’s result on Y’s holder', until: (n) => n.length >= 1 });
    expect(yOwner.notifications().map((n) => n.message.orderId)).toEqual([yOrder]);
    expect(yHolder.notifications().map((n) => n.message?.orderId)).toEqual(['so_y1']);
    expect(xOwner.notifications().map((n) => n.message.orderId)).toEqual([xOrder]);
    xOwner.close();
    yOwner.close();
    yHolder.close();
  });
});
