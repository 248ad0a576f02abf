import { encodeEnvelope, newEvent, StorefrontOrderPlaced, Topics } from '@orderpulse/contracts';
import { uniqueName } from '@orderpulse/testkit';

import { storefrontOrderId } from '../../services/order/src/domain/placement';
import {
  ListQuery,
  MerchantAction,
  PlaceOrderBody,
  ProgressBody,
  ReasonBody,
  StockingBody,
  StoreBody,
  DeliveryTerminalBody,
  WaitQuery,
} from '../../services/order/src/entry-points/http/schemas';
import { OrderHarness, orderBody, tokens } from '../../services/order/test/support/order-harness';
import { fuzzHttp, type Route } from '../support/http';
import { fuzzTopic } from '../support/kafka';
import { fuzzSettings } from '../support/settings';

const h = new OrderHarness();

beforeAll(async () => {
  await h.start();
  await h.putStore('s-1', {});
});

afterAll(() => h.stop());

test(`the order service answers ${fuzzSettings.httpInputs} generated requests with a 2xx–4xx, errors as problem documents, and still serves`, async () => {
  const placed = await h.call('POST', '/v1/orders', tokens.customer('c-1'), orderBody());
  expect(placed.status).toBe(201);
  const orderId = (placed.body as { order: { orderId: string } }).order.orderId;
  const ids = { id: [orderId, 's-1', 'rider-1'], action: MerchantAction.options };
  const routes: Route[] = [
    { method: 'PUT', path: '/v1/stores/:id', body: StoreBody },
    { method: 'GET', path: '/v1/stores/:id' },
    { method: 'PUT', path: '/v1/terminals/:id', body: DeliveryTerminalBody },
    { method: 'GET', path: '/v1/deliveries', query: ListQuery },
    { method: 'POST', path: '/v1/deliveries/:id/stocking', body: StockingBody },
    { method: 'POST', path: '/v1/deliveries/:id/progress', body: ProgressBody },
    { method: 'POST', path: '/v1/deliveries/:id/decline', body: ReasonBody },
    { method: 'POST', path: '/v1/orders', body: PlaceOrderBody },
    { method: 'GET', path: '/v1/orders', query: ListQuery },
    { method: 'GET', path: '/v1/orders/:id', query: WaitQuery },
    { method: 'GET', path: '/v1/orders/:id/stream' },
    { method: 'GET', path: '/v1/orders/:id/history' },
    { method: 'POST', path: '/v1/orders/:id/:action', body: ReasonBody },
  ].map((r) => ({ ...r, params: ids }));
  const sent = await fuzzHttp({
    port: Number(new URL(h.base).port),
    routes,
    tokens: [
      tokens.customer('c-1'),
      tokens.customer('c-2'),
      tokens.merchant('m-1'),
      tokens.merchant('m-2'),
      tokens.rider('rider-1'),
      tokens.admin(),
    ],
    stillServes: async () => {
      const again = await h.call('POST', '/v1/orders', tokens.customer('c-1'), orderBody());
      expect(again.status).toBe(201);
    },
  });
  expect(sent).toBe(fuzzSettings.httpInputs);
});

test(`the order service takes ${fuzzSettings.kafkaInputs} hostile storefront records: the refused ones dead-lettered with their reason, the next valid one placed`, async () => {
  const sent = await fuzzTopic({
    kafka: h.kafka,
    topic: h.topic(Topics.storefrontOrders),
    definitions: [StorefrontOrderPlaced],
    probe: async () => {
      const externalRef = uniqueName('SW');
      const wire = encodeEnvelope(
        newEvent(StorefrontOrderPlaced, {
          source: 'storefront/shop-web',
          subject: externalRef,
          data: { ...orderBody(), customerId: 'c-9', storefrontId: 'shop-web', externalRef } as never,
        }),
      );
      return {
        record: wire,
        effect: async () => void (await h.waitForEvent(storefrontOrderId('shop-web', externalRef), 'order.placed')),
      };
    },
  });
  expect(sent).toBe(fuzzSettings.kafkaInputs);
});
