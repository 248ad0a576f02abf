import {
  AuditCaseOpened,
  encodeEnvelope,
  exampleSnapshot,
  GuaranteeOrderProcessed,
  MediaAttached,
  newEvent,
  OrderPlaced,
  OrderStatusChanged,
  ShareOffered,
  Topics,
} from '@orderpulse/contracts';
import { uniqueName, waitFor } from '@orderpulse/testkit';

import {
  AppBody,
  PushLogQuery,
  InstallationBody,
  PreferencesBody,
  StreamQuery,
} from '../../services/notification/src/entry-points/http/schemas';
import {
  type Deployment,
  newDeployment,
  NotificationInstance,
  SocketClient,
  tokens,
} from '../../services/notification/test/support/notification-harness';
import { fuzzHttp, type Route } from '../support/http';
import { fuzzTopic } from '../support/kafka';
import { fuzzSettings } from '../support/settings';
import { fuzzWebSocket } from '../support/websocket';

let deployment: Deployment;
let service: NotificationInstance;

beforeAll(async () => {
  deployment = await newDeployment();
  service = await new NotificationInstance(deployment).start();
});

afterAll(async () => {
  await service.stop();
  await deployment.gateway.stop();
});

test(`the notification service answers ${fuzzSettings.httpInputs} generated requests with a 2xx–4xx, errors as problem documents, and still serves`, async () => {
  await service.register(tokens.customer('c-1'), 'phone-1', { deviceToken: 'tok-fuzz-phone-1' });
  const ids = { appCode: ['app-main', 'app-other'], installationId: ['phone-1', 'phone-2'] };
  const routes: Route[] = [
    { method: 'PUT', path: '/v1/apps/:appCode', body: AppBody },
    { method: 'GET', path: '/v1/apps/:appCode' },
    { method: 'PUT', path: '/v1/installations/:installationId', body: InstallationBody },
    { method: 'DELETE', path: '/v1/installations/:installationId' },
    { method: 'GET', path: '/v1/me' },
    { method: 'PUT', path: '/v1/me/preferences', body: PreferencesBody },
    { method: 'GET', path: '/v1/pushes', query: PushLogQuery },
    { method: 'GET', path: '/v1/deliveries', query: PushLogQuery },
    { method: 'GET', path: '/v1/realtime/events', query: StreamQuery },
    { method: 'GET', path: '/v1/realtime/ws' },
  ].map((r) => ({ ...r, params: ids }));
  const sent = await fuzzHttp({
    port: Number(new URL(service.base).port),
    routes,
    tokens: [
      tokens.customer('c-1'),
      tokens.merchant('m-1'),
      tokens.rider('rider-1'),
      tokens.admin(),
      tokens.storefront(),
      tokens.handler('h-1'),
    ],
    stillServes: async () => {
      const me = await service.call('GET', '/v1/me', tokens.customer('c-1'));
      expect(me.status).toBe(200);
    },
  });
  expect(sent).toBe(fuzzSettings.httpInputs);
});

test.each([
  [Topics.orderEvents, [OrderPlaced, OrderStatusChanged]],
  [Topics.auditEvents, [AuditCaseOpened]],
  [Topics.sharingEvents, [ShareOffered, GuaranteeOrderProcessed]],
  [Topics.mediaEvents, [MediaAttached]],
] as const)(
  `the notification service takes ${fuzzSettings.kafkaInputs} hostile records on %s: the refused ones dead-lettered with their reason, the next valid order still reaches its customer`,
  async (topic, definitions) => {
    await service.register(tokens.customer('c-fuzz'), 'phone-fuzz', { deviceToken: 'tok-fuzz-phone-2' });
    const sent = await fuzzTopic({
      kafka: deployment.kafka,
      topic: `${deployment.prefix}${topic}`,
      definitions: [...definitions],
      probe: async () => {
        const orderId = uniqueName('ord').replaceAll('-', '_');
        const now = Date.now();
        const data = {
          ...exampleSnapshot,
          orderId,
          merchantId: 'm-1',
          customerId: 'c-fuzz',
          locale: 'en',
          countdown: { deadline: new Date(now + 180_000).toISOString(), serverTime: new Date(now).toISOString() },
        };
        const wire = encodeEnvelope(
          newEvent(OrderPlaced, { source: 'order-service', subject: orderId, data: data as never }),
        );
        // The probe goes on the order topic's partition 0 after the batch: on the fuzzed topic when that is the order topic.
        return {
          record: wire,
          topic: `${deployment.prefix}${Topics.orderEvents}`,
          effect: async () =>
            void (await waitFor(() => service.deliveries(`orderId=${orderId}`), {
              what: 'the probe order delivered',
              until: (d) => d.length > 0,
              timeoutMs: 60_000,
            })),
        };
      },
    });
    expect(sent).toBe(fuzzSettings.kafkaInputs);
  },
);

test(`the notification service's WebSocket takes ${fuzzSettings.websocketInputs} sequences of hostile frames: each answered, refused with an allowed close code or waited on, and the next client still served`, async () => {
  const sent = await fuzzWebSocket({
    base: service.base,
    path: '/v1/realtime/ws',
    headers: () => ({ authorization: `Bearer ${tokens.customer('c-ws-fuzz')}` }),
    connections: () => service.service.connections().websocket,
    stillServes: async () => {
      const client = await SocketClient.open(service.base, tokens.customer('c-ws-real'));
      await waitFor(() => client.hello(), { what: 'the hello of a real client' });
      client.close();
    },
  });
  expect(sent).toBe(fuzzSettings.websocketInputs);
});
