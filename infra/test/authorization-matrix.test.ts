import { newEvent, StorefrontOrderPlaced, Topics } from '@orderpulse/contracts';
import { EventProducer } from '@orderpulse/kafka';
import type { Principal } from '@orderpulse/service-kit';
import { uniqueName, waitFor } from '@orderpulse/testkit';
import express from 'express';
import { WebSocket } from 'ws';

import { AuditHarness, b2bOrder, failure, testPolicy } from '../../services/audit/test/support/audit-harness';
import {
  MediaInstance,
  newDeployment as newMediaDeployment,
  OrderEvents as MediaOrderEvents,
  photo,
  upload,
} from '../../services/media/test/support/media-harness';
import {
  newDeployment as newNotificationDeployment,
  NotificationInstance,
} from '../../services/notification/test/support/notification-harness';
import { storefrontOrderId } from '../../services/order/src/domain/placement';
import { OrderHarness, orderBody, tokenIssuer } from '../../services/order/test/support/order-harness';
import { SharingHarness } from '../../services/sharing/test/support/sharing-harness';
import {
  allowed,
  matrix,
  type MatrixRole,
  type MatrixRow,
  MatrixRoles,
  publicPaths,
  roleScopes,
  type Scope,
  type ServiceName,
} from './authorization-matrix';

/** The principal of each cell: see the scopes in `authorization-matrix.ts`. */
const principals: Record<MatrixRole, Partial<Record<Scope, Principal>>> = {
  customer: { own: { subject: 'c-own', role: 'customer' }, subject: { subject: 'c-other', role: 'customer' } },
  merchant: {
    own: { subject: 'clerk-own', role: 'merchant', tenant: 'm-own' },
    tenant: { subject: 'clerk-own', role: 'merchant', tenant: 'm-other' },
    subject: { subject: 'clerk-other', role: 'merchant', tenant: 'm-own' },
  },
  rider: { own: { subject: 'r-own', role: 'rider' }, subject: { subject: 'r-other', role: 'rider' } },
  handler: { own: { subject: 'h-own', role: 'handler' }, subject: { subject: 'h-other', role: 'handler' } },
  member: {
    own: { subject: 'mem-own', role: 'member', tenant: 'org-own' },
    tenant: { subject: 'mem-own', role: 'member', tenant: 'org-other' },
    subject: { subject: 'mem-other', role: 'member', tenant: 'org-own' },
  },
  manager: {
    own: { subject: 'mgr-own', role: 'member', tenant: 'org-own' },
    tenant: { subject: 'mgr-own', role: 'member', tenant: 'org-other' },
  },
  admin: { own: { subject: 'ops', role: 'admin' } },
  service: { own: { subject: 'policy-system', role: 'service' } },
  storefront: {
    own: { subject: 'sf-own', role: 'storefront', tenant: 'sf-own' },
    tenant: { subject: 'sf-own', role: 'storefront', tenant: 'sf-other' },
  },
};
const token = (p: Principal) => tokenIssuer.sign(p);
const admin = token(principals.admin.own!);
const own = (role: MatrixRole) => token(principals[role].own!);

const order = new OrderHarness();
const sharing = new SharingHarness();
const audit = new AuditHarness();
let notification: NotificationInstance;
let notificationDeployment: Awaited<ReturnType<typeof newNotificationDeployment>>;
let media: MediaInstance;
let mediaEvents: MediaOrderEvents;
let mediaDeployment: Awaited<ReturnType<typeof newMediaDeployment>>;
const base: Partial<Record<ServiceName, string>> = {};

/** What the cells act on, made once by the resources' own principals. */
const fx = {
  orderId: '',
  storefrontOrderId: '',
  declinableOrderId: '',
  mediaOrderId: '',
  confirmOrderId: '',
  grantId: '',
  caseId: '',
  orderNo: '',
  guaranteeId: '',
  shareable: '',
  claimable: '',
  declinable: '',
  revocable: '',
  resultable: '',
};

async function ok(what: string, answer: Promise<{ status: number; body: unknown }>) {
  const { status, body } = await answer;
  if (status >= 300) throw new Error(`${what}: ${status} ${JSON.stringify(body)}`);
  return body as Record<string, unknown> & { orderId: string };
}

async function assignedOrder(region: string): Promise<string> {
  const placed = await ok(
    'place',
    order.call(
      'POST',
      '/v1/orders',
      own('customer'),
      orderBody({
        merchantId: 'm-own',
        storeId: 's-own',
        delivery: { line: '1 Matrix Road', region, contactName: 'Li', contactPhone: '+86 1' },
      }),
    ),
  );
  const { orderId } = (placed as unknown as { order: { orderId: string } }).order;
  await ok('accept', order.call('POST', `/v1/orders/${orderId}/accept`, own('merchant')));
  await waitFor(
    async () =>
      (await order.call('GET', `/v1/orders/${orderId}`, admin)).body.order.terminalId === 'r-own' || undefined,
    { what: 'the assignment to r-own', timeoutMs: 20_000 },
  );
  return orderId;
}

beforeAll(async () => {
  await order.start();
  await sharing.start();
  await audit.start();
  notificationDeployment = await newNotificationDeployment();
  notification = await new NotificationInstance(notificationDeployment).start();
  mediaDeployment = await newMediaDeployment();
  media = await new MediaInstance(mediaDeployment).start();
  mediaEvents = new MediaOrderEvents(mediaDeployment);
  Object.assign(base, {
    order: order.base,
    sharing: sharing.base,
    audit: audit.base,
    notification: notification.base,
    media: media.base,
  });

  // order: a store of m-own, the only rider of its region, an order of c-own it took, one a storefront placed
  await order.putStore('s-own', { merchantId: 'm-own' });
  await ok('terminal', order.call('PUT', '/v1/terminals/r-own', admin, { regions: ['matrix'] }));
  fx.orderId = await assignedOrder('matrix');
  fx.declinableOrderId = await assignedOrder('matrix');
  const producer = new EventProducer(order.kafka);
  await producer.connect();
  const event = newEvent(StorefrontOrderPlaced, {
    source: 'storefront/sf-own',
    subject: 'sf-ref-1',
    data: {
      ...(orderBody({ merchantId: 'm-own', storeId: 's-own' }) as {
        merchantId: string;
        storeId: string;
        currency: string;
        lines: { productId: string; quantity: number; unitPrice: number }[];
        delivery: { line: string; region: string; contactName: string; contactPhone: string };
      }),
      customerId: 'c-sf',
      storefrontId: 'sf-own',
      externalRef: 'sf-ref-1',
    },
  });
  await producer.publish([{ topic: order.topic(Topics.storefrontOrders), event }]);
  await producer.disconnect();
  fx.storefrontOrderId = storefrontOrderId('sf-own', 'sf-ref-1');
  await waitFor(
    async () => (await order.call('GET', `/v1/orders/${fx.storefrontOrderId}`, admin)).status === 200 || undefined,
    { what: 'the storefront order', timeoutMs: 20_000 },
  );

  // media: the same parties' order as the media service hears of it, and a grant issued to clerk-own
  const accepted = async () =>
    mediaEvents.assigned(
      await mediaEvents.moved(await mediaEvents.placed({ merchantId: 'm-own', customerId: 'c-own' }), 'accepted'),
      'r-own',
    );
  fx.mediaOrderId = (await accepted()).orderId;
  // A grant of its own order, so the grant row's new grants do not replace it.
  fx.confirmOrderId = (await accepted()).orderId;
  const shot = await photo(640, 480);
  const grant = await media.grant(fx.confirmOrderId, 'accepted', own('merchant'), {
    contentType: 'image/jpeg',
    bytes: shot.length,
  });
  expect((await upload(grant, shot)).status).toBe(200);
  fx.grantId = grant.grantId;

  // notification: an app to register devices with
  await ok('app', notification.call('PUT', '/v1/apps/app-matrix', admin, { name: 'matrix app' }));

  // audit: h-own docks acct-own; a failed review of its order is open
  await audit.setPolicy(testPolicy());
  await ok(
    'account',
    audit.call('PUT', '/v1/audit/accounts/acct-own', admin, { handlerId: 'h-own', leadId: 'h-lead' }),
  );
  const b2b = b2bOrder({ customerAccount: 'acct-own' });
  fx.orderNo = b2b.orderNo;
  await audit.publishOrder(b2b);
  await audit.webhook(
    failure({ orderNo: b2b.orderNo }, { code: 'PRC-002', text: 'unit price below the contract floor' }),
  );
  const opened = await waitFor(
    async () => (await audit.cases('', admin)).find((c) => c.order?.orderNo === b2b.orderNo && c.status === 'open'),
    { what: 'the open case', timeoutMs: 20_000 },
  );
  fx.caseId = opened!.caseId;

  // sharing: two organisations with a member mem-own and a manager mgr-own each (the same ids)
  await sharing.organisation('org-own', [
    { id: 'mem-own' },
    { id: 'mem-target' },
    { id: 'mem-other' },
    { id: 'mgr-own', role: 'manager' },
  ]);
  await sharing.organisation('org-other', [{ id: 'mem-own' }, { id: 'mgr-own', role: 'manager' }]);
  const shared = async (ownerId: string, targetId: string) =>
    (await sharing.share('org-own', ownerId, (await sharing.record('org-own', ownerId)).orderId, targetId)).body
      .orderId;
  fx.guaranteeId = (await sharing.record('org-own', 'mem-own')).orderId;
  fx.shareable = (await sharing.record('org-own', 'mem-own')).orderId;
  fx.resultable = (await sharing.record('org-own', 'mem-own')).orderId;
  fx.claimable = await shared('mem-target', 'mem-own');
  fx.declinable = await shared('mem-target', 'mem-own');
  fx.revocable = await shared('mem-own', 'mem-target');
}, 180_000);

afterAll(async () => {
  await Promise.all([
    order.stop(),
    sharing.stop(),
    audit.stop(),
    notification.stop(),
    media.stop(),
    mediaEvents.stop(),
  ]);
  await notificationDeployment.gateway.stop();
  mediaDeployment.s3.destroy();
});

interface Request {
  path: string;
  body?: unknown;
}

/** Each route's request, as the cell's principal would send it. */
const requests: Record<string, (who: { role: MatrixRole; principal: Principal }) => Request> = {
  'order POST /v1/orders': ({ role }) => ({
    path: '/v1/orders',
    body: orderBody({
      merchantId: 'm-own',
      storeId: 's-own',
      ...(role === 'storefront' ? { customerId: 'c-sf', externalRef: uniqueName('sf-ref') } : {}),
    }),
  }),
  'order GET /v1/orders': () => ({ path: '/v1/orders' }),
  'order GET /v1/storefront-orders/:externalRef': () => ({ path: '/v1/storefront-orders/sf-ref-1' }),
  'order GET /v1/orders/:id': ({ role }) => ({
    path: `/v1/orders/${role === 'storefront' ? fx.storefrontOrderId : fx.orderId}`,
  }),
  'order GET /v1/orders/:id/stream': ({ role }) => ({
    path: `/v1/orders/${role === 'storefront' ? fx.storefrontOrderId : fx.orderId}/stream`,
  }),
  'order GET /v1/orders/:id/history': ({ role }) => ({
    path: `/v1/orders/${role === 'storefront' ? fx.storefrontOrderId : fx.orderId}/history`,
  }),
  'order POST /v1/orders/:id/:action': () => ({ path: `/v1/orders/${fx.orderId}/accept`, body: {} }),
  'order PUT /v1/stores/:id': () => ({
    path: '/v1/stores/s-own',
    body: {
      merchantId: 'm-own',
      name: 'Noodle House',
      timeZone: 'Asia/Shanghai',
      hours: Object.fromEntries(['0', '1', '2', '3', '4', '5', '6'].map((d) => [d, ['00:00-24:00']])),
      products: [{ productId: 'p-noodles', name: 'Beef noodles', price: 1800, available: true }],
    },
  }),
  'order GET /v1/stores/:id': () => ({ path: '/v1/stores/s-own' }),
  'order PUT /v1/terminals/:id': () => ({ path: '/v1/terminals/r-own', body: { regions: ['matrix'] } }),
  'order GET /v1/deliveries': () => ({ path: '/v1/deliveries' }),
  'order POST /v1/deliveries/:id/stocking': () => ({
    path: `/v1/deliveries/${fx.orderId}/stocking`,
    body: { status: 'success' },
  }),
  'order POST /v1/deliveries/:id/progress': () => ({
    path: `/v1/deliveries/${fx.orderId}/progress`,
    body: { step: 'took' },
  }),
  'order POST /v1/deliveries/:id/decline': () => ({ path: `/v1/deliveries/${fx.declinableOrderId}/decline`, body: {} }),
  'notification PUT /v1/apps/:appCode': () => ({ path: '/v1/apps/app-matrix', body: { name: 'matrix app' } }),
  'notification GET /v1/apps/:appCode': () => ({ path: '/v1/apps/app-matrix' }),
  'notification PUT /v1/installations/:installationId': () => ({
    path: `/v1/installations/${uniqueName('inst')}`,
    body: { appCode: 'app-matrix', platform: 'android', deviceToken: uniqueName('device') },
  }),
  'notification DELETE /v1/installations/:installationId': () => ({ path: `/v1/installations/${uniqueName('inst')}` }),
  'notification GET /v1/me': () => ({ path: '/v1/me' }),
  'notification PUT /v1/me/preferences': () => ({ path: '/v1/me/preferences', body: { muted: [] } }),
  'notification GET /v1/pushes': () => ({ path: `/v1/pushes?orderId=${fx.orderId}` }),
  'notification GET /v1/deliveries': () => ({ path: `/v1/deliveries?orderId=${fx.orderId}` }),
  'notification GET /v1/admin/orders/:orderId/timeline': () => ({ path: `/v1/admin/orders/${fx.orderId}/timeline` }),
  'notification GET /v1/realtime/events': () => ({ path: '/v1/realtime/events' }),
  'notification WS /v1/realtime/ws': () => ({ path: '/v1/realtime/ws' }),
  'media GET /v1/media/policy': () => ({ path: '/v1/media/policy' }),
  'media POST /v1/orders/:orderId/media/:status/grants': () => ({
    path: `/v1/orders/${fx.mediaOrderId}/media/accepted/grants`,
    body: { contentType: 'image/jpeg', bytes: 10_000 },
  }),
  'media POST /v1/orders/:orderId/media/:status/grants/:grantId/confirm': () => ({
    path: `/v1/orders/${fx.confirmOrderId}/media/accepted/grants/${fx.grantId}/confirm`,
    body: {},
  }),
  'media GET /v1/orders/:orderId/media': () => ({ path: `/v1/orders/${fx.mediaOrderId}/media` }),
  'media GET /v1/orders/:orderId/media/:status': () => ({ path: `/v1/orders/${fx.mediaOrderId}/media/accepted` }),
  'audit POST /v1/audit/failures': () => ({ path: '/v1/audit/failures', body: {} }),
  'audit GET /v1/audit/policy': () => ({ path: '/v1/audit/policy' }),
  'audit PUT /v1/audit/policy': () => ({ path: '/v1/audit/policy', body: testPolicy() }),
  'audit PUT /v1/audit/accounts/:customerAccount': () => ({
    path: '/v1/audit/accounts/acct-matrix',
    body: { handlerId: 'h-own' },
  }),
  'audit DELETE /v1/audit/accounts/:customerAccount': () => ({ path: '/v1/audit/accounts/acct-matrix' }),
  'audit GET /v1/audit/cases': () => ({ path: '/v1/audit/cases' }),
  'audit GET /v1/audit/cases/:caseId': () => ({ path: `/v1/audit/cases/${fx.caseId}` }),
  'audit GET /v1/audit/orders/:orderNo': () => ({ path: `/v1/audit/orders/${fx.orderNo}` }),
  'audit POST /v1/audit/cases/:caseId/fix': () => ({
    path: `/v1/audit/cases/${fx.caseId}/fix`,
    body: { note: 'price corrected' },
  }),
  'sharing PUT /v1/organisations/:orgId': () => ({
    path: '/v1/organisations/org-own',
    body: { name: 'Org org-own', locale: 'en' },
  }),
  'sharing GET /v1/organisations/:orgId': () => ({ path: '/v1/organisations/org-own' }),
  'sharing PUT /v1/organisations/:orgId/members/:memberId': () => ({
    path: '/v1/organisations/org-own/members/mem-other',
    body: { name: 'Member mem-other' },
  }),
  'sharing GET /v1/organisations/:orgId/members': () => ({ path: '/v1/organisations/org-own/members' }),
  'sharing POST /v1/guarantee-orders': ({ role }) => ({
    path: '/v1/guarantee-orders',
    body: {
      reference: uniqueName('GP'),
      orderType: 'inpatient',
      title: 'a guarantee',
      ...(role === 'admin' || role === 'service' ? { orgId: 'org-own', ownerId: 'mem-own' } : {}),
    },
  }),
  'sharing GET /v1/guarantee-orders': () => ({ path: '/v1/guarantee-orders' }),
  'sharing GET /v1/shareable-orders': () => ({ path: '/v1/shareable-orders' }),
  'sharing GET /v1/guarantee-orders/:id': () => ({ path: `/v1/guarantee-orders/${fx.guaranteeId}` }),
  'sharing GET /v1/guarantee-orders/:id/history': () => ({ path: `/v1/guarantee-orders/${fx.guaranteeId}/history` }),
  'sharing POST /v1/guarantee-orders/:id/shares': () => ({
    path: `/v1/guarantee-orders/${fx.shareable}/shares`,
    body: { targetId: 'mem-target' },
  }),
  'sharing POST /v1/guarantee-orders/:id/claim': () => ({ path: `/v1/guarantee-orders/${fx.claimable}/claim` }),
  'sharing POST /v1/guarantee-orders/:id/decline': () => ({ path: `/v1/guarantee-orders/${fx.declinable}/decline` }),
  'sharing POST /v1/guarantee-orders/:id/revoke': () => ({ path: `/v1/guarantee-orders/${fx.revocable}/revoke` }),
  'sharing POST /v1/guarantee-orders/:id/result': () => ({
    path: `/v1/guarantee-orders/${fx.resultable}/result`,
    body: { status: 'completed' },
  }),
};

const keyOf = (row: Pick<MatrixRow, 'service' | 'method' | 'path'>) => `${row.service} ${row.method} ${row.path}`;

/** The status the service answers; streams are cut once their head arrived, sockets once open or refused. */
async function send(row: MatrixRow, request: Request, bearer: string | undefined): Promise<number> {
  const url = `${base[row.service]}${request.path}`;
  if (row.method === 'WS') {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url.replace('http', 'ws'), [
        'orderpulse.v1',
        ...(bearer ? [`bearer.${bearer}`] : []),
      ]);
      socket.once('open', () => {
        socket.terminate();
        resolve(101);
      });
      socket.once('unexpected-response', (_req, res) => {
        res.resume();
        socket.terminate();
        resolve(res.statusCode ?? 0);
      });
      socket.once('error', reject);
    });
  }
  const controller = new AbortController();
  const response = await fetch(url, {
    method: row.method,
    headers: {
      ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
      ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
    signal: controller.signal,
  });
  if ((response.headers.get('content-type') ?? '').includes('text/event-stream')) controller.abort();
  else await response.arrayBuffer();
  return response.status;
}

const cells = matrix.flatMap((row) =>
  row.auth === 'signature'
    ? []
    : MatrixRoles.flatMap((role) =>
        roleScopes[role].map((scope) => ({ row, role, scope, allow: allowed(row, role, scope) })),
      ),
);

describe('the authorization matrix', () => {
  test('every route the five services serve is in the table, and every row of the table is a route', async () => {
    const services = {
      order: order.service,
      sharing: sharing.service,
      audit: audit.service,
      notification: notification.service,
      media: media.service,
    };
    const served: string[] = [];
    for (const [name, parts] of Object.entries(services)) {
      const app = express();
      parts.routes?.(app);
      for (const layer of app.router.stack as { route?: { path: string; methods: Record<string, boolean> } }[]) {
        if (!layer.route) continue;
        for (const method of Object.keys(layer.route.methods))
          served.push(
            keyOf({
              service: name as ServiceName,
              method: method.toUpperCase() as MatrixRow['method'],
              path: layer.route.path,
            }),
          );
      }
    }
    const tabled = matrix.filter((r) => r.method !== 'WS').map(keyOf);
    expect(served.filter((route) => !tabled.includes(route))).toEqual([]);
    expect(tabled.filter((route) => !served.includes(route))).toEqual([]);
    expect(matrix.map(keyOf).filter((key) => !requests[key])).toEqual([]);
  });

  test.each(matrix.filter((r) => r.auth !== 'signature').map((r) => [keyOf(r), r] as const))(
    '%s: no token, or a token for another service, is 401',
    async (_key, row) => {
      const request = requests[keyOf(row)]!({ role: 'admin', principal: principals.admin.own! });
      expect(await send(row, request, undefined)).toBe(401);
      expect(
        await send(row, request, tokenIssuer.sign(principals.admin.own!, { audience: 'orderpulse-elsewhere' })),
      ).toBe(401);
    },
  );

  test('the signed webhook refuses a call without the signature', async () => {
    const row = matrix.find((r) => r.auth === 'signature')!;
    expect(await send(row, { path: row.path, body: {} }, admin)).toBe(401);
  });

  test.each(cells.map((c) => [keyOf(c.row), c.role, c.scope, c.allow ? 'allowed' : 'denied', c] as const))(
    '%s as %s (%s): %s',
    async (_key, _role, _scope, _expected, { row, role, scope, allow }) => {
      const principal = principals[role][scope]!;
      const status = await send(row, requests[keyOf(row)]!({ role, principal }), token(principal));
      expect(status).toBeLessThan(500);
      if (allow) expect([401, 403, 404]).not.toContain(status);
      else expect([403, 404]).toContain(status);
    },
  );

  test.each(publicPaths)('%s answers without a token on every service', async (path) => {
    for (const url of Object.values(base)) expect((await fetch(`${url}${path}`)).status).toBe(200);
  });
});
