import { humanText } from '@orderpulse/contracts';
import { asTenant, type BodyLimits } from '@orderpulse/service-kit';
import { z } from 'zod';

const id = (what: string) => z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, `not ${what}`);
/** An organisation id, typed as the tenant it names. */
const orgId = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'not an organisation id')
  .transform(asTenant);
const text = (max: number) => humanText(max);

export const OrgIdParam = z.object({ orgId });
export const MemberParams = z.object({ orgId, memberId: id('a member id') });
export const OrderIdParam = z.object({ id: id('an order id') });

export const OrganisationBody = z.strictObject({
  name: text(120),
  /** The language the organisation's members are written to in. */
  locale: z.enum(['zh-CN', 'en']).default('zh-CN'),
  active: z.boolean().default(true),
});

export const MemberBody = z.strictObject({
  name: text(120),
  role: z.enum(['member', 'manager']).default('member'),
  active: z.boolean().default(true),
});

export const RecordOrderBody = z.strictObject({
  /** Named by admins and upstream services; a member records for itself in its own organisation. */
  orgId: orgId.optional(),
  ownerId: id('a member id').optional(),
  reference: z.string().regex(/^[\x21-\x7e]{1,64}$/, 'a reference is 1–64 visible ASCII characters'),
  orderType: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'an order type is a lower-case word (a–z, 0–9, _)'),
  title: text(200),
  details: text(2_000).optional(),
  effectiveAt: z.iso.datetime({ offset: true }).optional(),
});

export const ShareBody = z.strictObject({ targetId: id('a member id') });

export const ResultBody = z.strictObject({
  status: z.enum(['completed', 'rejected', 'cancelled']),
  note: text(1_000).optional(),
});

export const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const OwnListQuery = ListQuery.extend({ scope: z.enum(['owned', 'shared']).default('owned') });

const Position = z.tuple([z.number().int().min(0), z.iso.datetime(), id('an order id')]);

/** Where the next page starts: the sort keys of the last order shown, opaque to clients. */
export const ShareableQuery = ListQuery.extend({
  cursor: z
    .string()
    .max(300)
    .transform((value, ctx) => {
      try {
        const parsed = Position.parse(JSON.parse(Buffer.from(value, 'base64url').toString('utf8')));
        return { rank: parsed[0], effectiveAt: new Date(parsed[1]), orderId: parsed[2] };
      } catch {
        ctx.addIssue({ code: 'custom', message: 'not a cursor this service gave out' });
        return z.NEVER;
      }
    })
    .optional(),
});

export function cursorOf(position: { rank: number; effectiveAt: Date; orderId: string }): string {
  return Buffer.from(
    JSON.stringify([position.rank, position.effectiveAt.toISOString(), position.orderId]),
    'utf8',
  ).toString('base64url');
}
/** What a route that reads no body takes: nothing, or `{}`. */
const NoBody = z.strictObject({});

/** Each body-taking route's body, by route: its limit is worked out from the schema (service-kit `bodyLimitOf`). */
export const bodyLimits = {
  'PUT /v1/organisations/:orgId': OrganisationBody,
  'PUT /v1/organisations/:orgId/members/:memberId': MemberBody,
  'POST /v1/guarantee-orders': RecordOrderBody,
  'POST /v1/guarantee-orders/:id/shares': ShareBody,
  'POST /v1/guarantee-orders/:id/claim': NoBody,
  'POST /v1/guarantee-orders/:id/decline': NoBody,
  'POST /v1/guarantee-orders/:id/revoke': NoBody,
  'POST /v1/guarantee-orders/:id/result': ResultBody,
} satisfies BodyLimits;
