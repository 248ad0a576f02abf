import {
  encodeEnvelope,
  exampleSnapshot,
  newEvent,
  OrderPlaced,
  OrderStatusChanged,
  Topics,
} from '@orderpulse/contracts';
import { uniqueName } from '@orderpulse/testkit';

import { GrantBody } from '../../services/media/src/entry-points/http/schemas';
import {
  type Deployment,
  MediaEvents,
  MediaInstance,
  newDeployment,
  OrderEvents,
  tokens,
} from '../../services/media/test/support/media-harness';
import { fuzzHttp, type Route } from '../support/http';
import { fuzzTopic } from '../support/kafka';
import { fuzzSettings } from '../support/settings';

let deployment: Deployment;
let media: MediaInstance;
let orders: OrderEvents;
let events: MediaEvents;

beforeAll(async () => {
  deployment = await newDeployment();
  media = await new MediaInstance(deployment).start();
  orders = new OrderEvents(deployment);
  events = await new MediaEvents(deployment).start();
});

afterAll(async () => {
  await events.stop();
  await orders.stop();
  await media.stop();
  deployment.s3.destroy();
});

test(`the media service answers ${fuzzSettings.httpInputs} generated requests with a 2xx–4xx, errors as problem documents, and still serves`, async () => {
  const order = await orders.moved(await orders.placed(), 'accepted');
  const ids = {
    orderId: [order.orderId],
    status: ['accepted', 'picked_up', 'new', 'delivered'],
    grantId: ['grt_0123456789abcdef'],
  };
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
    tokens: [
      tokens.merchant('m-1'),
      tokens.merchant('m-2'),
      tokens.customer('c-1'),
      tokens.customer('c-2'),
      tokens.rider('rider-1'),
      tokens.admin(),
    ],
    stillServes: async () => {
      const read = await media.call('GET', `/v1/orders/${order.orderId}/media`, tokens.customer('c-1'));
      expect(read.status).toBe(200);
    },
  });
  expect(sent).toBe(fuzzSettings.httpInputs);
});

test(`the media service takes ${fuzzSettings.kafkaInputs} hostile order-event records: the refused ones dead-lettered with their reason, the next valid one gets its image`, async () => {
  const sent = await fuzzTopic({
    kafka: deployment.kafka,
    topic: `${deployment.prefix}${Topics.orderEvents}`,
    definitions: [OrderPlaced, OrderStatusChanged],
    probe: async () => {
      const orderId = uniqueName('ord').replaceAll('-', '_');
      const now = Date.now();
      const data = {
        ...exampleSnapshot,
        orderId,
        merchantId: 'm-1',
        customerId: 'c-1',
        storeName: 'Noodle House',
        locale: 'en',
        countdown: { deadline: new Date(now + 180_000).toISOString(), serverTime: new Date(now).toISOString() },
      };
      const wire = encodeEnvelope(
        newEvent(OrderPlaced, { source: 'order-service', subject: orderId, data: data as never }),
      );
      return { record: wire, effect: async () => void (await events.next(orderId, 'new', 60_000)) };
    },
  });
  expect(sent).toBe(fuzzSettings.kafkaInputs);
});
