import { fuzzHttp, type Route } from '../support/http';
import { fuzzSettings } from '../support/settings';
import { AppBody, DeliveryQuery, InstallationBody, PreferencesBody, StreamQuery } from '../../services/notification/src/entry-points/http/schemas';
import { type Deployment, newDeployment, NotificationInstance, tokens } from '../../services/notification/test/support/notification-harness';

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
    { method: 'GET', path: '/v1/deliveries', query: DeliveryQuery },
    { method: 'GET', path: '/v1/realtime/events', query: StreamQuery },
    { method: 'GET', path: '/v1/realtime/ws' },
  ].map((r) => ({ ...r, params: ids }));
  const sent = await fuzzHttp({
    port: Number(new URL(service.base).port),
    routes,
    tokens: [tokens.customer('c-1'), tokens.merchant('m-1'), tokens.rider('rider-1'), tokens.admin(), tokens.storefront(), tokens.handler('h-1')],
    stillServes: async () => {
      const me = await service.call('GET', '/v1/me', tokens.customer('c-1'));
      expect(me.status).toBe(200);
    },
  });
  expect(sent).toBe(fuzzSettings.httpInputs);
});
