import { waitFor } from '@orderpulse/testkit';
import sharp from 'sharp';

import { dueJobId } from '../src/domain/order-media';
import {
  type Deployment,
  exists,
  fetchBytes,
  type Grant,
  keysUnder,
  MediaEvents,
  MediaInstance,
  newDeployment,
  OrderEvents,
  photo,
  type TestOrder,
  tokens,
  upload,
} from './support/media-harness';

/** Real-shot photos: grants, plain-HTTP uploads to the S3-compatible server, verification. */
describe('real-shot photos uploaded by the merchant and the rider', () => {
  let deployment: Deployment;
  let media: MediaInstance;
  let second: MediaInstance;
  let orders: OrderEvents;
  let events: MediaEvents;

  beforeAll(async () => {
    deployment = await newDeployment();
    media = await new MediaInstance(deployment).start();
    second = await new MediaInstance(deployment).start();
    orders = new OrderEvents(deployment);
    events = await new MediaEvents(deployment).start();
  });

  afterAll(async () => {
    await events.stop();
    await orders.stop();
    await second.stop();
    await media.stop();
    deployment.s3.destroy();
  });

  /** An order of merchant m-1 that the merchant has accepted (a merchant photo status). */
  async function accepted(): Promise<TestOrder> {
    return orders.moved(await orders.placed(), 'accepted');
  }

  test("the order's merchant uploads a JPEG over plain HTTP and confirms: it is verified, stripped of GPS tags, announced, and readable by the customer", async () => {
    const order = await accepted();
    const body = await photo(800, 600, { gps: true });
    expect((await sharp(body).metadata()).exif).toBeDefined();

    const grant = await media.grant(order.orderId, 'accepted', tokens.merchant('m-1'), {
      contentType: 'image/jpeg',
      bytes: body.length,
    });
    expect(grant.upload.url).toContain(`${deployment.keyPrefix}uploads/${order.orderId}/accepted/`);
    expect(Date.parse(grant.expiresAt) - Date.now()).toBeLessThanOrEqual(300_000);
    expect((await upload(grant, body)).status).toBe(200);
    const confirmed = await media.confirm(grant, tokens.merchant('m-1'));
    expect(confirmed.status).toBe(201);

    const event = await events.next(order.orderId, 'accepted');
    expect(event.data).toMatchObject({
      source: 'photo',
      fallback: false,
      takenBy: { role: 'merchant', subject: 'clerk-1' },
      customerId: 'c-1',
      width: 800,
      height: 600,
      contentType: 'image/jpeg',
    });
    const read = await media.call('GET', `/v1/orders/${order.orderId}/media/accepted`, tokens.customer('c-1'));
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ state: 'attached', media: { source: 'photo', fallback: false } });
    const stored = await fetchBytes(read.body.media.url);
    expect(stored.status).toBe(200);
    const meta = await sharp(stored.bytes).metadata();
    expect([meta.format, meta.width, meta.height, meta.exif]).toEqual(['jpeg', 800, 600, undefined]);
    const thumbnail = await sharp((await fetchBytes(read.body.media.thumbnailUrl)).bytes).metadata();
    expect([thumbnail.format, thumbnail.width]).toEqual(['webp', 320]);
    // The upload itself is gone: only the re-encoded copy, without its tags, is kept.
    expect(await keysUnder(deployment, `uploads/${order.orderId}/`)).toEqual([]);
  });

  test("a grant for someone else's order, for a status the caller does not shoot, or for a customer, is refused with 403 and no URL", async () => {
    const order = await orders.assigned(await accepted(), 'rider-1');
    await media.grant(order.orderId, 'accepted', tokens.merchant('m-1'), { contentType: 'image/jpeg', bytes: 1_000 });
    const refused = [
      await media.call('POST', `/v1/orders/${order.orderId}/media/accepted/grants`, tokens.merchant('m-2', 'clerk-9'), {
        contentType: 'image/jpeg',
        bytes: 1_000,
      }),
      await media.call('POST', `/v1/orders/${order.orderId}/media/accepted/grants`, tokens.rider('rider-1'), {
        contentType: 'image/jpeg',
        bytes: 1_000,
      }),
      await media.call('POST', `/v1/orders/${order.orderId}/media/accepted/grants`, tokens.customer('c-1'), {
        contentType: 'image/jpeg',
        bytes: 1_000,
      }),
    ];
    expect(refused.map((r) => [r.status, r.type.split(';')[0], r.body.upload])).toEqual([
      [403, 'application/problem+json', undefined],
      [403, 'application/problem+json', undefined],
      [403, 'application/problem+json', undefined],
    ]);
    const delivered = await orders.moved(await orders.moved(order, 'picked_up'), 'delivered');
    const otherRider = await waitFor(
      () =>
        media.call('POST', `/v1/orders/${order.orderId}/media/delivered/grants`, tokens.rider('rider-2'), {
          contentType: 'image/jpeg',
          bytes: 1_000,
        }),
      { until: (r) => r.status !== 409 },
    );
    expect(otherRider.status).toBe(403);
    const assignedRider = await media.grant(delivered.orderId, 'delivered', tokens.rider('rider-1'), {
      contentType: 'image/jpeg',
      bytes: 1_000,
    });
    expect(assignedRider.upload.url).toContain(`/delivered/`);
    // Someone else's grant cannot be confirmed either.
    expect((await media.confirm(assignedRider, tokens.rider('rider-2'))).status).toBe(403);
  });

  test('an upload with another content type than granted is refused by the S3 server, and confirming it before any upload leaves the grant usable', async () => {
    const order = await accepted();
    const body = await photo(400, 300);
    const grant = await media.grant(order.orderId, 'accepted', tokens.merchant('m-1'), {
      contentType: 'image/jpeg',
      bytes: body.length,
    });
    const wrongType = await upload(grant, body, { ...grant.upload.headers, 'content-type': 'image/png' });
    expect(wrongType.status).toBe(403);
    const early = await media.confirm(grant, tokens.merchant('m-1'));
    expect([early.status, early.body.reason]).toEqual([422, 'missing']);
    expect((await upload(grant, body)).status).toBe(200);
    expect((await media.confirm(grant, tokens.merchant('m-1'))).status).toBe(201);
  });

  test('a grant for more than the maximum size is refused with 413, and an upload larger than granted is refused by the S3 server', async () => {
    const order = await accepted();
    const tooBig = await media.call(
      'POST',
      `/v1/orders/${order.orderId}/media/accepted/grants`,
      tokens.merchant('m-1'),
      { contentType: 'image/jpeg', bytes: 10 * 1_048_576 + 1 },
    );
    expect([tooBig.status, tooBig.type.split(';')[0]]).toEqual([413, 'application/problem+json']);
    const body = await photo(400, 300);
    const grant = await media.grant(order.orderId, 'accepted', tokens.merchant('m-1'), {
      contentType: 'image/jpeg',
      bytes: body.length,
    });
    const larger = Buffer.concat([body, Buffer.alloc(4_096, 1)]);
    expect((await upload(grant, larger, { 'content-type': 'image/jpeg' })).status).toBe(403);
    expect(
      await exists(deployment, `${deployment.keyPrefix}uploads/${order.orderId}/accepted/${grant.grantId}.jpg`),
    ).toBe(false);
  });

  test('a JPEG with stray bytes before a marker, as some Android cameras write it, is verified and attached, re-encoded clean', async () => {
    const order = await accepted();
    const whole = await photo(800, 600);
    const sos = whole.indexOf(Buffer.from([0xff, 0xda]));
    const android = Buffer.concat([whole.subarray(0, sos), Buffer.from([0x00, 0x00, 0x17]), whole.subarray(sos)]);
    const grant = await media.grant(order.orderId, 'accepted', tokens.merchant('m-1'), {
      contentType: 'image/jpeg',
      bytes: android.length,
    });
    expect((await upload(grant, android)).status).toBe(200);
    const confirmed = await media.confirm(grant, tokens.merchant('m-1'));
    expect([confirmed.status, confirmed.body.reason]).toEqual([201, undefined]);
    const event = await events.next(order.orderId, 'accepted');
    expect(event.data).toMatchObject({ source: 'photo', fallback: false, width: 800, height: 600 });
    const stored = await fetchBytes(event.data.image.url);
    await expect(sharp(stored.bytes, { failOn: 'warning' }).metadata()).resolves.toMatchObject({
      format: 'jpeg',
      width: 800,
      height: 600,
    });
  });

  test('a text file named .jpg and declared image/jpeg is deleted and refused as not an image; so is a truncated JPEG', async () => {
    const order = await accepted();
    const text = Buffer.from('this is not a photo, whatever its name says '.repeat(40));
    const grant = await media.grant(order.orderId, 'accepted', tokens.merchant('m-1'), {
      contentType: 'image/jpeg',
      bytes: text.length,
    });
    expect(grant.upload.url).toMatch(/\.jpg\?/);
    expect((await upload(grant, text)).status).toBe(200);
    const refused = await media.confirm(grant, tokens.merchant('m-1'));
    expect([refused.status, refused.type.split(';')[0], refused.body.reason]).toEqual([
      422,
      'application/problem+json',
      'not_an_image',
    ]);
    expect(await keysUnder(deployment, `uploads/${order.orderId}/`)).toEqual([]);

    const whole = await photo(400, 300);
    const truncated = whole.subarray(0, Math.floor(whole.length / 2));
    const second = await media.grant(order.orderId, 'accepted', tokens.merchant('m-1'), {
      contentType: 'image/jpeg',
      bytes: truncated.length,
    });
    expect((await upload(second, truncated)).status).toBe(200);
    const broken = await media.confirm(second, tokens.merchant('m-1'));
    expect([broken.status, broken.body.reason]).toEqual([422, 'not_an_image']);
    const view = await media.call('GET', `/v1/orders/${order.orderId}/media/accepted`, tokens.merchant('m-1'));
    expect(view.body.state).toBe('awaiting');
  });

  test('a PNG declared as JPEG, and a photo below the minimum dimensions, are refused with their reasons', async () => {
    const order = await accepted();
    const png = await photo(400, 300, { format: 'png' });
    const mislabelled = await media.grant(order.orderId, 'accepted', tokens.merchant('m-1'), {
      contentType: 'image/jpeg',
      bytes: png.length,
    });
    expect((await upload(mislabelled, png)).status).toBe(200);
    const typeRefusal = await media.confirm(mislabelled, tokens.merchant('m-1'));
    expect([typeRefusal.status, typeRefusal.body.reason]).toEqual([422, 'type']);

    const tiny = await photo(40, 30);
    const small = await media.grant(order.orderId, 'accepted', tokens.merchant('m-1'), {
      contentType: 'image/jpeg',
      bytes: tiny.length,
    });
    expect((await upload(small, tiny)).status).toBe(200);
    const sizeRefusal = await media.confirm(small, tokens.merchant('m-1'));
    expect([sizeRefusal.status, sizeRefusal.body.reason]).toEqual([422, 'dimensions']);
  });

  test('a grant confirmed on two instances at once is used once: one 201, one 409, one event; a third confirmation is 409 too', async () => {
    const order = await accepted();
    const body = await photo(640, 480);
    const grant: Grant = await media.grant(order.orderId, 'accepted', tokens.merchant('m-1'), {
      contentType: 'image/jpeg',
      bytes: body.length,
    });
    expect((await upload(grant, body)).status).toBe(200);
    const answers = await Promise.all([
      media.confirm(grant, tokens.merchant('m-1')),
      second.confirm(grant, tokens.merchant('m-1')),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409]);
    expect((await media.confirm(grant, tokens.merchant('m-1'))).status).toBe(409);
    await events.next(order.orderId, 'accepted');
    // The next status's event comes after any duplicate would have: then the count is final.
    await orders.moved(order, 'dispatched');
    await events.next(order.orderId, 'dispatched');
    expect(events.of(order.orderId, 'accepted')).toHaveLength(1);
    const again = await media.call(
      'POST',
      `/v1/orders/${order.orderId}/media/accepted/grants`,
      tokens.merchant('m-1'),
      { contentType: 'image/jpeg', bytes: 1_000 },
    );
    expect(again.status).toBe(409);
  });

  test('bad requests are 4xx problems: no token, a malformed body, an unknown order, an unknown status', async () => {
    const order = await accepted();
    const answers = [
      await media.call('POST', `/v1/orders/${order.orderId}/media/accepted/grants`, undefined, {
        contentType: 'image/jpeg',
        bytes: 1,
      }),
      await media.call('POST', `/v1/orders/${order.orderId}/media/accepted/grants`, tokens.merchant('m-1'), {
        contentType: 'image/gif',
        bytes: -1,
      }),
      await media.call(
        'POST',
        `/v1/orders/${order.orderId}/media/accepted/grants`,
        tokens.merchant('m-1'),
        '{"contentType":',
      ),
      await media.call('POST', '/v1/orders/no_such_order/media/accepted/grants', tokens.merchant('m-1'), {
        contentType: 'image/jpeg',
        bytes: 1,
      }),
      await media.call('POST', `/v1/orders/${order.orderId}/media/teleported/grants`, tokens.merchant('m-1'), {
        contentType: 'image/jpeg',
        bytes: 1,
      }),
      await media.call(
        'POST',
        `/v1/orders/${order.orderId}/media/accepted/grants/grt_000000000000/confirm`,
        tokens.merchant('m-1'),
      ),
    ];
    expect(answers.map((a) => [a.status, a.type.split(';')[0]])).toEqual([
      [401, 'application/problem+json'],
      [400, 'application/problem+json'],
      [400, 'application/problem+json'],
      [404, 'application/problem+json'],
      [400, 'application/problem+json'],
      [404, 'application/problem+json'],
    ]);
  });
});

/** Short lifetimes through configuration: an expired grant, and the fallback for a photo that never came. */
describe('grants and photos that run out of time', () => {
  let deployment: Deployment;
  let media: MediaInstance;
  let orders: OrderEvents;
  let events: MediaEvents;

  beforeAll(async () => {
    deployment = await newDeployment();
    media = await new MediaInstance(deployment).start({
      MEDIA_UPLOAD_GRANT_SECONDS: '1',
      MEDIA_CONFIRM_GRACE_SECONDS: '0',
      MEDIA_PHOTO_GRACE_SECONDS: '3',
    });
    orders = new OrderEvents(deployment);
    events = await new MediaEvents(deployment).start();
  });

  afterAll(async () => {
    await events.stop();
    await orders.stop();
    await media.stop();
    deployment.s3.destroy();
  });

  test('an upload after the grant expired is refused by the S3 server, and the expired grant cannot be confirmed', async () => {
    const order = await orders.moved(await orders.placed(), 'accepted');
    const body = await photo(400, 300);
    const grant = await media.grant(order.orderId, 'accepted', tokens.merchant('m-1'), {
      contentType: 'image/jpeg',
      bytes: body.length,
    });
    await waitFor(() => Date.now() > Date.parse(grant.expiresAt) + 1_000, { what: 'the grant to expire' });
    const late = await upload(grant, body);
    expect(late.status).toBe(403);
    expect(late.text).toMatch(/expired|AccessDenied|Forbidden/i);
    const confirmed = await media.confirm(grant, tokens.merchant('m-1'));
    expect([confirmed.status, confirmed.body.code]).toEqual([409, 'WINDOW_CLOSED']);
  });

  test('a real-shot status that passes its grace period without a photo gets the synthesized image, recorded as a fallback; later grants are refused', async () => {
    const movedAt = Date.now();
    const order = await orders.moved(await orders.placed(), 'accepted');
    const event = await events.next(order.orderId, 'accepted');
    expect(event.data).toMatchObject({ source: 'synthesized', fallback: true, contentType: 'image/png' });
    // Not before the three-second grace period the configuration gives.
    expect(Date.parse(event.data.attachedAt) - movedAt).toBeGreaterThanOrEqual(2_500);
    const view = await media.call('GET', `/v1/orders/${order.orderId}/media/accepted`, tokens.customer('c-1'));
    expect(view.body.media).toMatchObject({ source: 'synthesized', fallback: true });
    const svg = (await keysUnder(deployment, `media/${order.orderId}/accepted/`)).find((k) => k.endsWith('.svg'));
    expect(svg).toBeDefined();
    const late = await media.call('POST', `/v1/orders/${order.orderId}/media/accepted/grants`, tokens.merchant('m-1'), {
      contentType: 'image/jpeg',
      bytes: 1_000,
    });
    expect([late.status, late.body.code]).toEqual([409, 'WINDOW_CLOSED']);
  });

  test('an upload never confirmed is removed when the fallback stands in for it', async () => {
    const order = await orders.moved(await orders.placed(), 'accepted');
    const body = await photo(400, 300);
    const grant = await media.grant(order.orderId, 'accepted', tokens.merchant('m-1'), {
      contentType: 'image/jpeg',
      bytes: body.length,
    });
    expect((await upload(grant, body)).status).toBe(200);
    expect(await keysUnder(deployment, `uploads/${order.orderId}/`)).toHaveLength(1);
    await events.next(order.orderId, 'accepted');
    await waitFor(() => keysUnder(deployment, `uploads/${order.orderId}/`), {
      what: 'the unconfirmed upload to be removed',
      until: (keys) => keys.length === 0,
    });
  });

  test('an overdue image whose timer Redis lost is settled by the reconciler as a fallback', async () => {
    const order = await orders.moved(await orders.placed(), 'accepted');
    const id = dueJobId(order.orderId, 'accepted');
    const { timers } = media.service;
    await waitFor(() => timers.has(id), { what: 'the due timer to be scheduled' });
    expect(await timers.cancel(id)).toBe(true);
    const view = await media.call('GET', `/v1/orders/${order.orderId}/media/accepted`, tokens.admin());
    await waitFor(() => Date.now() > Date.parse(view.body.dueAt), {
      what: 'the grace period to pass',
      timeoutMs: 10_000,
    });
    expect(events.of(order.orderId, 'accepted')).toHaveLength(0);
    const report = await media.service.reconcile();
    expect(report.settled).toBeGreaterThanOrEqual(1);
    const event = await events.next(order.orderId, 'accepted');
    expect(event.data).toMatchObject({ source: 'synthesized', fallback: true });
  });
});
