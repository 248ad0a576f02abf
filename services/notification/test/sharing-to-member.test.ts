import {
  createEnvelope,
  deadLetterTopic,
  encodeEnvelope,
  exampleShare,
  GuaranteeOrderProcessed,
  ShareOffered,
  Topics,
} from '@orderpulse/contracts';
import { EventProducer } from '@orderpulse/kafka';
import { uniqueName, waitFor } from '@orderpulse/testkit';
import type { KafkaMessage } from 'kafkajs';

import {
  type Deployment,
  newDeployment,
  NotificationInstance,
  OrderEvents,
  tokenIssuer,
  SocketClient,
  StreamClient,
} from './support/notification-harness';

/** A member of an organisation, as the sharing service's terminals sign in. */
const member = (id: string) => tokenIssuer.sign({ subject: id, role: 'member', tenant: 'org-hz-claims' });

describe('sharing events reach the members', () => {
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

  test('a share offered reaches the target member’s realtime stream at once with the claim deadline, and its device by push', async () => {
    const target = uniqueName('member');
    await notification.register(member(target), uniqueName('inst'));
    const stream = await StreamClient.open(notification.base, member(target));
    const bystander = await SocketClient.open(notification.base, member(uniqueName('member')));
    const shareId = `so_${uniqueName('s').replaceAll('-', '')}`;
    // A claim window still open: a push whose countdown is over is not sent (it expires with its deadline).
    const data = {
      ...exampleShare,
      shareId,
      targetId: target,
      locale: 'en' as const,
      serverTime: new Date().toISOString(),
      claimDeadline: new Date(Date.now() + 600_000).toISOString(),
    };

    const eventId = await events.publish(ShareOffered, data);
    const [notice] = await waitFor(() => stream.notifications(), {
      what: 'the share on the member stream',
      until: (n) => n.length >= 1,
    });
    expect(notice.message).toMatchObject({
      eventId,
      eventType: 'share.offered',
      category: 'sharing',
      orderId: shareId,
      status: 'pending',
      countdown: { deadline: data.claimDeadline },
    });
    expect(notice.message.title).toBe(`Order ${data.reference} shared with you`);
    const pushed = await waitFor(() => deployment.gateway.requests.find((r) => r.body.includes(shareId)), {
      what: 'the push to the gateway',
    });
    expect(pushed?.body).toContain('shared with you');
    expect(bystander.notifications()).toHaveLength(0);
    stream.close();
    bystander.close();
  });

  test('a processing result reaches both members, each on the order it holds', async () => {
    const owner = uniqueName('owner');
    const holder = uniqueName('holder');
    const ownerSocket = await SocketClient.open(notification.base, member(owner));
    const holderStream = await StreamClient.open(notification.base, member(holder));
    const example = GuaranteeOrderProcessed.schema.parse(GuaranteeOrderProcessed.example);
    const orderId = `go_${uniqueName('o').replaceAll('-', '')}`;
    await events.publish(GuaranteeOrderProcessed, {
      ...example,
      orderId,
      ownerId: owner,
      by: { memberId: holder, orderId: 'so_x1' },
      linked: [{ orderId: 'so_x1', memberId: holder }],
    });

    const [toOwner] = await waitFor(() => ownerSocket.notifications(), {
      what: 'the result on the owner socket',
      until: (f) => f.length >= 1,
    });
    expect(toOwner?.message).toMatchObject({
      eventType: 'guarantee-order.processed',
      orderId,
      status: 'completed',
      category: 'sharing',
    });
    const [toHolder] = await waitFor(() => holderStream.notifications(), {
      what: 'the result on the holder stream',
      until: (n) => n.length >= 1,
    });
    expect(toHolder.message).toMatchObject({ orderId: 'so_x1', status: 'completed' });
    ownerSocket.close();
    holderStream.close();
  });

  test('a share event that breaks its contract goes to the dead-letter topic with the reason, and the next share still reaches its member', async () => {
    const topic = `${deployment.prefix}${Topics.sharingEvents}`;
    const dlq: KafkaMessage[] = [];
    const reader = deployment.kafka.kafka.consumer({ groupId: uniqueName('dlq-reader') });
    await reader.connect();
    await reader.subscribe({ topic: deadLetterTopic(topic), fromBeginning: true });
    await reader.run({ eachMessage: async ({ message }) => void dlq.push(message) });
    const producer = new EventProducer(deployment.kafka);
    try {
      const target = uniqueName('member');
      const stream = await StreamClient.open(notification.base, member(target));
      const { targetId: _dropped, ...withoutTarget } = exampleShare;
      const broken = encodeEnvelope(
        createEnvelope({
          type: ShareOffered.type,
          version: ShareOffered.version,
          source: 'test',
          subject: exampleShare.orderId,
          data: withoutTarget,
        }),
      );
      await producer.forward([{ topic, key: exampleShare.orderId, value: broken.value, headers: broken.headers }]);
      const shareId = `so_${uniqueName('s').replaceAll('-', '')}`;
      await events.publish(ShareOffered, { ...exampleShare, shareId, targetId: target });

      const [notice] = await waitFor(() => stream.notifications(), {
        what: 'the valid share on the stream',
        until: (n) => n.length >= 1,
      });
      expect(notice.message.orderId).toBe(shareId);
      const [dead] = await waitFor(() => dlq, { what: 'the dead letter', until: (m) => m.length >= 1 });
      expect(dead?.headers?.['x-dlq-reason']?.toString()).toContain('targetId');
      stream.close();
    } finally {
      await producer.disconnect();
      await reader.disconnect();
    }
  });
});
