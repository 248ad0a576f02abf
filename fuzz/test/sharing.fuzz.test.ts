import {
  ListQuery,
  MemberBody,
  OrganisationBody,
  OwnListQuery,
  RecordOrderBody,
  ResultBody,
  ShareableQuery,
  ShareBody,
} from '../../services/sharing/src/entry-points/http/schemas';
import { SharingHarness, tokens } from '../../services/sharing/test/support/sharing-harness';
import { fuzzHttp, type Route } from '../support/http';
import { fuzzSettings } from '../support/settings';

const h = new SharingHarness();

beforeAll(async () => {
  await h.start();
  await h.organisation('org-f', [{ id: 'mem-a' }, { id: 'mem-b' }]);
});

afterAll(() => h.stop());

test(`the sharing service answers ${fuzzSettings.httpInputs} generated requests with a 2xx–4xx, errors as problem documents, and still serves`, async () => {
  const order = await h.record('org-f', 'mem-a');
  const ids = { orgId: ['org-f'], memberId: ['mem-a', 'mem-b'], id: [order.orderId] };
  const routes: Route[] = [
    { method: 'PUT', path: '/v1/organisations/:orgId', body: OrganisationBody },
    { method: 'GET', path: '/v1/organisations/:orgId' },
    { method: 'PUT', path: '/v1/organisations/:orgId/members/:memberId', body: MemberBody },
    { method: 'GET', path: '/v1/organisations/:orgId/members', query: ListQuery },
    { method: 'POST', path: '/v1/guarantee-orders', body: RecordOrderBody },
    { method: 'GET', path: '/v1/guarantee-orders', query: OwnListQuery },
    { method: 'GET', path: '/v1/shareable-orders', query: ShareableQuery },
    { method: 'GET', path: '/v1/guarantee-orders/:id' },
    { method: 'GET', path: '/v1/guarantee-orders/:id/history' },
    { method: 'POST', path: '/v1/guarantee-orders/:id/shares', body: ShareBody },
    { method: 'POST', path: '/v1/guarantee-orders/:id/claim' },
    { method: 'POST', path: '/v1/guarantee-orders/:id/decline' },
    { method: 'POST', path: '/v1/guarantee-orders/:id/revoke' },
    { method: 'POST', path: '/v1/guarantee-orders/:id/result', body: ResultBody },
    { method: 'GET', path: '/healthz' },
  ].map((r) => ({ ...r, params: ids }));
  const sent = await fuzzHttp({
    port: Number(new URL(h.base).port),
    routes,
    tokens: [
      tokens.member('org-f', 'mem-a'),
      tokens.member('org-f', 'mem-b'),
      tokens.admin(),
      tokens.service(),
      tokens.customer(),
      tokens.memberWithoutOrg('mem-x'),
    ],
    // The fuzz may have deactivated org-f or its members (admins may): a fresh organisation proves the service serves.
    stillServes: async () => {
      await h.organisation('org-after', [{ id: 'mem-after' }]);
      const recorded = await h.record('org-after', 'mem-after');
      const again = await h.call(
        'GET',
        `/v1/guarantee-orders/${recorded.orderId}`,
        tokens.member('org-after', 'mem-after'),
      );
      expect(again.status).toBe(200);
    },
  });
  expect(sent).toBe(fuzzSettings.httpInputs);
});
