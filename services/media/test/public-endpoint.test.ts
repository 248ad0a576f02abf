import { stackEnv } from '@orderpulse/testkit';

import {
  type Deployment,
  fetchBytes,
  MediaInstance,
  newDeployment,
  OrderEvents,
  photo,
  tokens,
  upload,
} from './support/media-harness';

/**
 * Inside a deployment the object store has a name only that network knows (compose's `minio:9000`);
 * browsers and phones reach it by another. The local server answers on both 127.0.0.1 and localhost,
 * which stand here for the inner and the public name.
 */
describe('presigned links name the object store as the outside world reaches it', () => {
  let deployment: Deployment;
  let media: MediaInstance;
  let orders: OrderEvents;
  const inner = new URL(stackEnv().S3_ENDPOINT);
  const publicEndpoint = `${inner.protocol}//localhost:${inner.port}`;

  beforeAll(async () => {
    deployment = await newDeployment();
    media = await new MediaInstance(deployment).start({ S3_PUBLIC_ENDPOINT: publicEndpoint });
    orders = new OrderEvents(deployment);
  });

  afterAll(async () => {
    await orders.stop();
    await media.stop();
    deployment.s3.destroy();
  });

  test('with S3_PUBLIC_ENDPOINT, the upload grant and the read link use it, and both work there', async () => {
    const order = await orders.moved(await orders.placed(), 'accepted');
    const body = await photo(640, 480);

    const grant = await media.grant(order.orderId, 'accepted', tokens.merchant('m-1'), {
      contentType: 'image/jpeg',
      bytes: body.length,
    });
    expect(new URL(grant.upload.url).origin).toBe(publicEndpoint);
    expect((await upload(grant, body)).status).toBe(200);
    expect((await media.confirm(grant, tokens.merchant('m-1'))).status).toBe(201);

    const read = await media.call('GET', `/v1/orders/${order.orderId}/media/accepted`, tokens.customer('c-1'));
    expect(new URL(read.body.media.url).origin).toBe(publicEndpoint);
    expect((await fetchBytes(read.body.media.url)).status).toBe(200);
  });
});
