import { fuzzHttp, type Route } from '../support/http';
import { fuzzSettings } from '../support/settings';
import { GrantBody } from '../../services/media/src/entry-points/http/schemas';
import { type Deployment, MediaInstance, newDeployment, OrderEvents, tokens } from '../../services/media/test/support/media-harness';

let deployment: Deployment;
let media: MediaInstance;
let orders: OrderEvents;

beforeAll(async () => {
  deployment = await newDeployment();
  media = await new MediaInstance(deployment).start();
  orders = new OrderEvents(deployment);
});

afterAll(async () => {
  await orders.stop();
  await media.stop();
  deployment.s3.destroy();
});

test(`the media service answers ${fuzzSettings.httpInputs} generated requests with a 2xx–4xx, errors as problem documents, and still serves`, async () => {
  const order = await orders.moved(await orders.placed(), 'accepted');
  const ids = { orderId: [order.orderId], status: ['accepted', 'picked_up', 'new', 'delivered'], grantId: ['grt_0123456789abcdef'] };
  const routes: Route[] = [
    { method: 'GET', path: '/v1/media/policy' },
    { method: 'POST', path: '/v1/orders/:orderId/media/:status/grants', body: GrantBody },
    { method: 'POST', path: '/v1/orders/:orderId/media/:status/grants/:grantId/confirm' },
    { method: 'GET', path: '/v1/orders/:orderId/media' },
    { method: 'GET', path: '/v1/orders/:orderId/media/:status' },
  ].map((r) => ({ ...r, params: ids }));
  const sent = await fuzzHttp({
    port: Number(new URL(media.base).port),
    routes,
    tokens: [tokens.merchant('m-1'), tokens.merchant('m-2'), tokens.customer('c-1'), tokens.customer('c-2'), tokens.rider('rider-1'), tokens.admin()],
    stillServes: async () => {
      const read = await media.call('GET', `/v1/orders/${order.orderId}/media`, tokens.customer('c-1'));
      expect(read.status).toBe(200);
    },
  });
  expect(sent).toBe(fuzzSettings.httpInputs);
});
