import {
  GuaranteeOrderHistory,
  GuaranteeOrderList,
  GuaranteeOrderView,
  MemberList,
  MemberView,
  OrganisationView,
  ShareableOrderList,
} from '@orderpulse/contracts';
import type { ApiInfo, ApiRoutes } from '@orderpulse/service-kit';

import {
  ListQuery,
  MemberBody,
  MemberParams,
  OrderIdParam,
  OrganisationBody,
  OrgIdParam,
  OwnListQuery,
  RecordOrderBody,
  ResultBody,
  ShareableQuery,
  ShareBody,
} from './schemas';

const order = (description: string) => ({ description, schema: GuaranteeOrderView });
const organisation = (description: string) => ({ description, schema: OrganisationView });
const member = (description: string) => ({ description, schema: MemberView });
const refused =
  'A refusal is a 409 (`WINDOW_CLOSED` once the claim window has closed, else `CONFLICT`) or a 403 or 400, with `reason` naming the rule, and `orderStatus`, `version` and `current` (the order as it stands now).';

export const sharingApiInfo: ApiInfo = {
  title: 'orderpulse sharing service',
  version: '1.0.0',
  description:
    'Guarantee orders shared between members of an organisation (seed 004). The owner shares an order (X) with another member, who gets a second order (its id is the share’s, `so_…`) to claim within the claim window; claimed shares are bounded by `maxShares`. X and its second orders carry one status, and the first processing result recorded on any of them settles them all. Every call acts as an active member of an active organisation (the token’s `tenant` and `sub`); another organisation’s orders are reported missing.',
};

/** Every route of the sharing service. */
export const sharingApi: ApiRoutes = {
  'PUT /v1/organisations/:orgId': {
    tag: 'organisations',
    summary: 'Keep an organisation',
    description:
      'Creates or replaces it. `locale` is the language its members are written to in; an inactive organisation’s members can do nothing.',
    roles: ['admin'],
    params: OrgIdParam,
    body: OrganisationBody,
    example: { name: 'Hangzhou claims office', locale: 'zh-CN', active: true },
    answers: { 201: organisation('Created.'), 200: organisation('Replaced.') },
  },
  'GET /v1/organisations/:orgId': {
    tag: 'organisations',
    summary: 'Read an organisation',
    description:
      'Admins read any; a member only its own, while it is an active member of it (otherwise a 404). The notification service asks this to keep a member’s realtime connection open.',
    roles: ['admin', 'member'],
    params: OrgIdParam,
    answers: { 200: organisation('The organisation.') },
    problems: [404],
  },
  'PUT /v1/organisations/:orgId/members/:memberId': {
    tag: 'organisations',
    summary: 'Keep a member',
    description:
      'Creates or replaces a member of an existing organisation. A `manager` sees every order of the organisation and whom each is shared with; an inactive member loses access at once.',
    roles: ['admin'],
    params: MemberParams,
    body: MemberBody,
    example: { name: 'Li Na', role: 'member', active: true },
    answers: { 201: member('Created.'), 200: member('Replaced.') },
    problems: [404],
  },
  'GET /v1/organisations/:orgId/members': {
    tag: 'organisations',
    summary: 'An organisation’s members',
    description: 'By member id, inactive ones too; for admins and the organisation’s active members.',
    roles: ['admin', 'member'],
    params: OrgIdParam,
    query: ListQuery,
    answers: { 200: { description: 'The members.', schema: MemberList } },
    problems: [404],
  },
  'POST /v1/guarantee-orders': {
    tag: 'guarantee orders',
    summary: 'Record a guarantee order that took effect',
    description:
      'A member records its own (`orgId` and `ownerId` left out, or its own); an admin or a service names both. Idempotent by the organisation’s `reference`: recording it again answers the order as it is (200), while the same reference for another member is a 409 (`reason: reference_taken`). An organisation that is missing or inactive is a 404; an owner who is not an active member a 422 (`reason: owner_not_member`). `effectiveAt` defaults to now; `orderType` places the order in the shareable list by the configured priority.',
    roles: ['member', 'admin', 'service'],
    body: RecordOrderBody,
    example: {
      reference: 'GP-2026-000184',
      orderType: 'inpatient',
      title: 'Inpatient guarantee, Zhejiang Provincial Hospital',
      effectiveAt: '2026-11-21T09:00:00+08:00',
    },
    answers: {
      201: order('Recorded; `Location` names the order.'),
      200: order('Recorded before under the same reference.'),
    },
    problems: [404, 409, 422],
  },
  'GET /v1/guarantee-orders': {
    tag: 'guarantee orders',
    summary: 'The caller’s orders',
    description:
      '`scope=owned` (the default): the originals it holds, latest effective first. `scope=shared`: a second order for each share it was offered, whatever the share’s state; `limit` counts the originals they come from.',
    roles: ['member'],
    query: OwnListQuery,
    answers: { 200: { description: 'The orders.', schema: GuaranteeOrderList } },
  },
  'GET /v1/shareable-orders': {
    tag: 'guarantee orders',
    summary: 'The other members’ open orders',
    description:
      'Active orders of the organisation not held by the caller, by order-type priority (`SHARE_TYPE_PRIORITY`), then by when they took effect; `nextCursor` gives the next page.',
    roles: ['member'],
    query: ShareableQuery,
    answers: { 200: { description: 'A page of orders.', schema: ShareableOrderList } },
  },
  'GET /v1/guarantee-orders/:id': {
    tag: 'guarantee orders',
    summary: 'Read an original or a second order',
    description:
      'Every member sees its organisation’s originals (whom they are shared with only their owner and managers); a second order is seen by the member it is for, the owner and managers. Anything else is a 404, so ids cannot be probed.',
    roles: ['member'],
    params: OrderIdParam,
    answers: { 200: order('The order.') },
    problems: [404],
  },
  'GET /v1/guarantee-orders/:id/history': {
    tag: 'guarantee orders',
    summary: 'An order’s history',
    description:
      'Oldest first, by the rule of the order’s view: an original’s share lines only for its owner and managers; the holder of a second order reads its own share’s lines; recording and results for everyone who may see the order.',
    roles: ['member'],
    params: OrderIdParam,
    answers: { 200: { description: 'The history.', schema: GuaranteeOrderHistory } },
    problems: [404],
  },
  'POST /v1/guarantee-orders/:id/shares': {
    tag: 'shares',
    summary: 'Share an order with another member',
    description: `The owner shares its active original with another active member of the organisation (another is a 404, \`reason: target_not_member\`), who gets a second order to claim within the claim window. Sharing again with a member holding a pending or claimed share answers that share (200). ${refused} Reasons: \`not_owner\`, \`self_share\`, \`order_settled\`, \`max_shares_reached\`, \`too_many_open_shares\`, \`too_many_shares\`.`,
    roles: ['member'],
    params: OrderIdParam,
    body: ShareBody,
    example: { targetId: 'member-li' },
    answers: {
      201: order('Shared: the second order; `Location` names it.'),
      200: order('Shared before: the second order.'),
    },
    problems: [404, 409],
  },
  'POST /v1/guarantee-orders/:id/claim': {
    tag: 'shares',
    summary: 'Claim a second order',
    description: `The member it is for, on the second order’s id, inside the claim window while the original is active and its claimed shares are under \`maxShares\`. Claiming again answers the same. Takes no body. ${refused} Reasons: \`not_target\`, \`claim_window_closed\`, \`share_expired\`, \`share_revoked\`, \`share_declined\`, \`share_closed\`, \`order_settled\`, \`max_shares_reached\`.`,
    roles: ['member'],
    params: OrderIdParam,
    answers: { 200: order('Claimed: the second order.') },
    problems: [404, 409],
  },
  'POST /v1/guarantee-orders/:id/decline': {
    tag: 'shares',
    summary: 'Decline a second order',
    description: `The member it is for turns down a share it has not claimed; the owner is told. Declining again answers the same. Takes no body. ${refused} Reasons: \`not_target\`, \`share_claimed\`, and those of a share already over.`,
    roles: ['member'],
    params: OrderIdParam,
    answers: { 200: order('Declined: the second order.') },
    problems: [404, 409],
  },
  'POST /v1/guarantee-orders/:id/revoke': {
    tag: 'shares',
    summary: 'Revoke a share',
    description: `The owner takes back a share not yet claimed, on the second order’s id; the target is told. Revoking again answers the same. Takes no body. ${refused} Reasons: \`not_owner\`, \`share_claimed\`, and those of a share already over.`,
    roles: ['member'],
    params: OrderIdParam,
    answers: { 200: order('Revoked: the second order as its owner sees it.') },
    problems: [404, 409],
  },
  'POST /v1/guarantee-orders/:id/result': {
    tag: 'guarantee orders',
    summary: 'Record a processing result',
    description: `The owner on the original, or the member holding a claimed second order on it. The first result settles the original and every second order; a later one is a 409 (\`order_settled\`) with the order as the first left it. A result other than \`completed\` needs a \`note\` saying why. ${refused} Reasons: \`not_owner\`, \`not_holder\`, \`share_not_claimed\`, \`order_settled\`, \`note_required\`.`,
    roles: ['member'],
    params: OrderIdParam,
    body: ResultBody,
    example: { status: 'completed', note: 'deposit guaranteed, admission confirmed' },
    answers: { 200: order('Settled: the order as the caller asked for it.') },
    problems: [404, 409],
  },
};
