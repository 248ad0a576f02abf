import { type EventData, MediaAttached, newEvent, Topics } from '@orderpulse/contracts';
import { EventProducer } from '@orderpulse/kafka';
import { uniqueName, waitFor } from '@orderpulse/testkit';

import { mediaForDelivery, mediaNoticesFor } from '../src/domain/media-routing';
import { render } from '../src/domain/templates';
import {
  type Deployment,
  newDeployment,
  NotificationInstance,
  StreamClient,
  tokens,
} from './support/notification-harness';

type Media = EventData<typeof MediaAttached>;

function attached(overrides: Partial<Media> = {}, linksLiveMs = 3_600_000): Media {
  const expiresAt = new Date(Date.now() + linksLiveMs).toISOString();
  const orderId = uniqueName('ord').replaceAll('-', '_');
  return MediaAttached.schema.parse({
    ...MediaAttached.example,
    orderId,
    customerId: 'c-media',
    locale: 'en',
    image: { url: `https://media.example.com/${orderId}/image.jpg?X-Amz-Signature=abc`, expiresAt },
    thumbnail: { url: `https://media.example.com/${orderId}/thumb.webp?X-Amz-Signature=def`, expiresAt },
    href: `/v1/orders/${orderId}/media/picked_up`,
    ...overrides,
  });
}

describe('media routing', () => {
  test('an attached photo goes to the customer with its image, in their language; a fallback says no photo was taken', () => {
    const [notice] = mediaNoticesFor(attached());
    expect(notice).toMatchObject({
      recipient: { kind: 'customer', id: 'c-media' },
      status: 'picked_up',
      media: { source: 'photo', fallback: false },
    });
    expect(render(notice!.template, 'en', notice!.params).body).toBe('A photo taken just now.');
    expect(render(notice!.template, 'zh-CN', notice!.params).title).toContain('商家已出餐');
    const [fallback] = mediaNoticesFor(attached({ source: 'synthesized', fallback: true }));
    expect(render(fallback!.template, 'en', fallback!.params).body).toMatch(/^No photo was taken/);
  });

  test('links about to expire are left off; the path to fresh ones stays', () => {
    const [notice] = mediaNoticesFor(attached({}, 30_000));
    const delivered = mediaForDelivery(notice!.media!, new Date());
    expect(delivered.imageUrl).toBeUndefined();
    expect(delivered.href).toBe(notice!.media!.href);
  });
});

describe('media on the customer’s push and stream', () => {
  let deployment: Deployment;
  let notification: NotificationInstance;
  let producer: EventProducer;

  beforeAll(async () => {
    deployment = await newDeployment();
    notification = await new NotificationInstance(deployment).start();
    producer = new EventProducer(deployment.kafka);
  });

  afterAll(async () => {
    await producer.disconnect();
    await notification.stop();
    await deployment.gateway.stop();
  });

  async function publish(data: Media): Promise<void> {
    const event = newEvent(MediaAttached, { source: 'orderpulse/media', subject: data.orderId, data });
    await producer.publish([{ topic: `${deployment.prefix}${Topics.mediaEvents}`, event }]);
  }

  test('a media.attached event reaches the customer’s device as a rich push with the image, the thumbnail and the app authorization code, and the stream message carries the image', async () => {
    await notification.register(tokens.customer('c-media'), uniqueName('inst'), {
      appCode: 'app-main',
      platform: 'android',
    });
    const stream = await StreamClient.open(notification.base, tokens.customer('c-media'));
    const media = attached();
    await publish(media);

    const request = await waitFor(() => deployment.gateway.requests.find((r) => r.body.includes(media.orderId)), {
      what: 'the push at the gateway',
    });
    const [push] = (
      request!.json as { notifications: { data: Record<string, string>; image?: string; title: string }[] }
    ).notifications;
    expect(push?.data).toMatchObject({
      appCode: 'app-main',
      orderId: media.orderId,
      eventType: 'media.attached',
      imageUrl: media.image.url,
      thumbnailUrl: media.thumbnail.url,
      mediaHref: media.href,
      mediaSource: 'photo',
    });
    expect(push?.image).toBe(media.thumbnail.url);
    expect(push?.title).toContain('meal handed over');

    const message = await waitFor(() => stream.notifications().find((n) => n.message.orderId === media.orderId), {
      what: 'the stream message',
    });
    expect(message.message.media).toMatchObject({
      imageUrl: media.image.url,
      thumbnailUrl: media.thumbnail.url,
      href: media.href,
    });
    stream.close();
  });

  test('a replayed event whose links have expired pushes the path to fresh links instead of dead ones', async () => {
    await notification.register(tokens.customer('c-late'), uniqueName('inst'), {
      appCode: 'app-main',
      platform: 'ios',
    });
    const media = attached({ customerId: 'c-late', source: 'synthesized', fallback: true }, -60_000);
    await publish(media);
    const request = await waitFor(() => deployment.gateway.requests.find((r) => r.body.includes(media.orderId)), {
      what: 'the push at the gateway',
    });
    const [push] = (request!.json as { notifications: { data: Record<string, string>; image?: string }[] })
      .notifications;
    expect(push?.data).toMatchObject({ appCode: 'app-main', mediaHref: media.href, mediaSource: 'fallback' });
    expect(push?.data.imageUrl).toBeUndefined();
    expect(push?.image).toBeUndefined();
  });
});
