/**
 * The authorization matrix: for every route of the five services, which principals pass its
 * authorization, by role and by scope. `authorization-matrix.test.ts` walks every cell against
 * running services and fails when a service has a route this table lacks; the README shows it
 * (rendered by {@link renderMatrix}, checked by `authorization-readme.test.ts`).
 *
 * Scopes, each a real principal of the test's fixtures:
 * - `own` — the principal the resource belongs to (the order's customer, merchant, rider; the
 *   case's docking person; the guarantee order's owner or share target; an organisation's member);
 * - `tenant` — the same subject in another tenant (another merchant's clerk with the same id,
 *   the member with the same id in another organisation: the "two alices");
 * - `subject` — another subject of the same tenant (another clerk, another member, another customer).
 * A role without tenants has no `tenant` cell; admin, service and storefront have only the cells listed.
 *
 * A cell is allowed (`A`: the answer is neither 401, 403 nor 404 — a domain refusal such as 409 or
 * 422 still means authorization let the call in) or denied (`D`: 403 or 404, never a 5xx).
 */
export const MatrixRoles = [
  'customer',
  'merchant',
  'rider',
  'handler',
  'member',
  'manager',
  'admin',
  'service',
  'storefront',
] as const;
export type MatrixRole = (typeof MatrixRoles)[number];
export const Scopes = ['own', 'tenant', 'subject'] as const;
export type Scope = (typeof Scopes)[number];

/** Which scopes each role has a principal for. */
export const roleScopes: Record<MatrixRole, readonly Scope[]> = {
  customer: ['own', 'subject'],
  merchant: ['own', 'tenant', 'subject'],
  rider: ['own', 'subject'],
  handler: ['own', 'subject'],
  member: ['own', 'tenant', 'subject'],
  manager: ['own', 'tenant'],
  admin: ['own'],
  service: ['own'],
  storefront: ['own', 'tenant'],
};

export type ServiceName = 'order' | 'notification' | 'media' | 'audit' | 'sharing';

export interface MatrixRow {
  service: ServiceName;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'WS';
  path: string;
  /** How a caller gets in: a bearer token (the default), a signature instead of a token, or none. */
  auth?: 'bearer' | 'signature' | 'public';
  /** The scopes allowed per role, e.g. `{ merchant: 'own subject' }`; every other cell is denied. */
  allow: Partial<Record<MatrixRole, string>>;
  note?: string;
}

const everyone: MatrixRow['allow'] = {
  customer: 'own subject',
  merchant: 'own tenant subject',
  rider: 'own subject',
  handler: 'own subject',
  member: 'own tenant subject',
  manager: 'own tenant',
  admin: 'own',
  service: 'own',
  storefront: 'own tenant',
};
const recipients: MatrixRow['allow'] = {
  customer: 'own subject',
  merchant: 'own tenant subject',
  rider: 'own subject',
  handler: 'own subject',
  member: 'own tenant subject',
  manager: 'own tenant',
};
const orderReaders: MatrixRow['allow'] = {
  customer: 'own',
  merchant: 'own subject',
  rider: 'own',
  admin: 'own',
  storefront: 'own',
};
const orgReaders: MatrixRow['allow'] = { member: 'own subject', manager: 'own', admin: 'own' };
const members: MatrixRow['allow'] = { member: 'own tenant subject', manager: 'own tenant' };

export const matrix: MatrixRow[] = [
  // order
  {
    service: 'order',
    method: 'POST',
    path: '/v1/orders',
    allow: { customer: 'own subject', storefront: 'own tenant' },
    note: 'a customer for itself; a storefront for its customer under its own storefront id',
  },
  {
    service: 'order',
    method: 'GET',
    path: '/v1/orders',
    allow: { customer: 'own subject', merchant: 'own tenant subject' },
    note: "lists only the caller's own (its tenant's) orders",
  },
  { service: 'order', method: 'GET', path: '/v1/orders/:id', allow: orderReaders },
  {
    service: 'order',
    method: 'GET',
    path: '/v1/storefront-orders/:externalRef',
    allow: { storefront: 'own' },
    note: "by the storefront's own reference: another storefront's same reference is another order",
  },
  { service: 'order', method: 'GET', path: '/v1/orders/:id/stream', allow: orderReaders },
  { service: 'order', method: 'GET', path: '/v1/orders/:id/history', allow: orderReaders },
  {
    service: 'order',
    method: 'POST',
    path: '/v1/orders/:id/:action',
    allow: { merchant: 'own subject' },
    note: "any clerk of the order's merchant",
  },
  { service: 'order', method: 'PUT', path: '/v1/stores/:id', allow: { merchant: 'own subject', admin: 'own' } },
  { service: 'order', method: 'GET', path: '/v1/stores/:id', allow: everyone, note: 'the menu is not a secret' },
  { service: 'order', method: 'PUT', path: '/v1/terminals/:id', allow: { admin: 'own' } },
  {
    service: 'order',
    method: 'GET',
    path: '/v1/deliveries',
    allow: { rider: 'own subject' },
    note: "a rider's own assignments",
  },
  { service: 'order', method: 'POST', path: '/v1/deliveries/:id/stocking', allow: { rider: 'own' } },
  { service: 'order', method: 'POST', path: '/v1/deliveries/:id/progress', allow: { rider: 'own' } },
  { service: 'order', method: 'POST', path: '/v1/deliveries/:id/decline', allow: { rider: 'own' } },
  // notification
  { service: 'notification', method: 'PUT', path: '/v1/apps/:appCode', allow: { admin: 'own' } },
  { service: 'notification', method: 'GET', path: '/v1/apps/:appCode', allow: { admin: 'own' } },
  {
    service: 'notification',
    method: 'PUT',
    path: '/v1/installations/:installationId',
    allow: recipients,
    note: "registers the caller's own device",
  },
  {
    service: 'notification',
    method: 'DELETE',
    path: '/v1/installations/:installationId',
    allow: recipients,
    note: "removes only the caller's own device",
  },
  { service: 'notification', method: 'GET', path: '/v1/me', allow: recipients },
  { service: 'notification', method: 'PUT', path: '/v1/me/preferences', allow: recipients },
  {
    service: 'notification',
    method: 'GET',
    path: '/v1/pushes',
    allow: { ...recipients, admin: 'own' },
    note: 'a recipient reads only what was sent to it',
  },
  {
    service: 'notification',
    method: 'GET',
    path: '/v1/deliveries',
    allow: { ...recipients, admin: 'own' },
    note: 'the push log at its deprecated first path',
  },
  {
    service: 'notification',
    method: 'GET',
    path: '/v1/admin/orders/:orderId/timeline',
    allow: { admin: 'own' },
    note: 'one order across the services, for support',
  },
  {
    service: 'notification',
    method: 'GET',
    path: '/v1/realtime/events',
    allow: recipients,
    note: "the caller's own stream",
  },
  {
    service: 'notification',
    method: 'WS',
    path: '/v1/realtime/ws',
    allow: recipients,
    note: "the caller's own stream",
  },
  // media
  { service: 'media', method: 'GET', path: '/v1/media/policy', allow: everyone },
  {
    service: 'media',
    method: 'POST',
    path: '/v1/orders/:orderId/media/:status/grants',
    allow: { merchant: 'own subject' },
    note: 'at a merchant status; the assigned rider at a rider status',
  },
  {
    service: 'media',
    method: 'POST',
    path: '/v1/orders/:orderId/media/:status/grants/:grantId/confirm',
    allow: { merchant: 'own' },
    note: 'only whom the grant was issued to',
  },
  {
    service: 'media',
    method: 'GET',
    path: '/v1/orders/:orderId/media',
    allow: { customer: 'own', merchant: 'own subject', rider: 'own', admin: 'own' },
  },
  {
    service: 'media',
    method: 'GET',
    path: '/v1/orders/:orderId/media/:status',
    allow: { customer: 'own', merchant: 'own subject', rider: 'own', admin: 'own' },
  },
  // audit
  {
    service: 'audit',
    method: 'POST',
    path: '/v1/audit/failures',
    auth: 'signature',
    allow: {},
    note: "the middle office's HMAC signature, no token",
  },
  { service: 'audit', method: 'GET', path: '/v1/audit/policy', allow: { handler: 'own subject', admin: 'own' } },
  { service: 'audit', method: 'PUT', path: '/v1/audit/policy', allow: { admin: 'own' } },
  { service: 'audit', method: 'PUT', path: '/v1/audit/accounts/:customerAccount', allow: { admin: 'own' } },
  { service: 'audit', method: 'DELETE', path: '/v1/audit/accounts/:customerAccount', allow: { admin: 'own' } },
  {
    service: 'audit',
    method: 'GET',
    path: '/v1/audit/cases',
    allow: { handler: 'own subject', admin: 'own' },
    note: "a handler's own, escalated and parked cases",
  },
  { service: 'audit', method: 'GET', path: '/v1/audit/cases/:caseId', allow: { handler: 'own', admin: 'own' } },
  {
    service: 'audit',
    method: 'GET',
    path: '/v1/audit/orders/:orderNo',
    allow: { handler: 'own subject', admin: 'own' },
  },
  { service: 'audit', method: 'POST', path: '/v1/audit/cases/:caseId/fix', allow: { handler: 'own', admin: 'own' } },
  // sharing
  { service: 'sharing', method: 'PUT', path: '/v1/organisations/:orgId', allow: { admin: 'own' } },
  { service: 'sharing', method: 'GET', path: '/v1/organisations/:orgId', allow: orgReaders },
  { service: 'sharing', method: 'PUT', path: '/v1/organisations/:orgId/members/:memberId', allow: { admin: 'own' } },
  { service: 'sharing', method: 'GET', path: '/v1/organisations/:orgId/members', allow: orgReaders },
  {
    service: 'sharing',
    method: 'POST',
    path: '/v1/guarantee-orders',
    allow: { ...members, admin: 'own', service: 'own' },
    note: 'a member records its own; admins and services for any member',
  },
  { service: 'sharing', method: 'GET', path: '/v1/guarantee-orders', allow: members },
  { service: 'sharing', method: 'GET', path: '/v1/shareable-orders', allow: members },
  {
    service: 'sharing',
    method: 'GET',
    path: '/v1/guarantee-orders/:id',
    allow: { member: 'own subject', manager: 'own' },
    note: 'every member of the organisation sees its originals (the shareable list); a second order only its target, owner and managers',
  },
  {
    service: 'sharing',
    method: 'GET',
    path: '/v1/guarantee-orders/:id/history',
    allow: { member: 'own subject', manager: 'own' },
  },
  {
    service: 'sharing',
    method: 'POST',
    path: '/v1/guarantee-orders/:id/shares',
    allow: { member: 'own' },
    note: 'the owner',
  },
  {
    service: 'sharing',
    method: 'POST',
    path: '/v1/guarantee-orders/:id/claim',
    allow: { member: 'own' },
    note: 'the target',
  },
  {
    service: 'sharing',
    method: 'POST',
    path: '/v1/guarantee-orders/:id/decline',
    allow: { member: 'own' },
    note: 'the target',
  },
  {
    service: 'sharing',
    method: 'POST',
    path: '/v1/guarantee-orders/:id/revoke',
    allow: { member: 'own' },
    note: 'the owner',
  },
  {
    service: 'sharing',
    method: 'POST',
    path: '/v1/guarantee-orders/:id/result',
    allow: { member: 'own' },
    note: 'the owner, or a claimant on its second order',
  },
];

/** What every service also serves, without a token: probes and metrics (scraped inside the cluster). */
export const publicPaths = ['/healthz', '/readyz', '/metrics'];

/** Whether the table allows `role` in `scope` on `row`. */
export function allowed(row: MatrixRow, role: MatrixRole, scope: Scope): boolean {
  return (row.allow[role] ?? '').split(' ').includes(scope);
}

/** The table as Markdown, as the README shows it. */
export function renderMatrix(): string {
  const mark = (row: MatrixRow, role: MatrixRole) => {
    if (row.auth === 'signature') return '';
    return roleScopes[role].map((scope) => (allowed(row, role, scope) ? '✓' : '✗')).join(' ');
  };
  const header = `| service | route | ${MatrixRoles.join(' | ')} | note |`;
  const rule = `|${' --- |'.repeat(MatrixRoles.length + 3)}`;
  const lines = matrix.map(
    (row) =>
      `| ${row.service} | \`${row.method} ${row.path}\` | ${MatrixRoles.map((role) => mark(row, role)).join(' | ')} | ${row.note ?? ''} |`,
  );
  const scopes = MatrixRoles.map((role) => `${role}: ${roleScopes[role].join(' / ')}`).join('; ');
  return [
    `Each cell reads own / other tenant / other subject where the role has them (${scopes}). ✓ passes authorization, ✗ is refused with 403 or 404. Without a token every route but the signed webhook answers 401, and so does a token for another service's audience.`,
    '',
    header,
    rule,
    ...lines,
  ].join('\n');
}
