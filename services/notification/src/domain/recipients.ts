import { AppError, asTenant, type Principal, type TenantId, tenantOf } from '@orderpulse/service-kit';
import { z } from 'zod';

/** Who can be told something: the kinds of people at orderpulse's terminals. */
export const RecipientKind = z.enum(['customer', 'merchant', 'rider', 'handler', 'member']);
export type RecipientKind = z.infer<typeof RecipientKind>;

/**
 * One recipient. Member ids are unique only inside their organisation, so a member is always
 * named with it; a merchant (all of its terminals) is its own tenant. Customers, delivery
 * terminals and B2B handlers are people of the one platform, unique platform-wide.
 */
export type Recipient =
  | { kind: 'member'; org: TenantId; id: string }
  | { kind: 'merchant'; id: TenantId }
  | { kind: 'customer' | 'rider' | 'handler'; id: string };

/**
 * The key a recipient's devices, realtime backlog and push log are filed under; only
 * {@link recipientKey} makes one, so every store of recipient data is keyed with its tenant.
 */
export type RecipientKey = string & { readonly __brand: 'RecipientKey' };

/**
 * `member:<org>:<id>`, `merchant:<merchant>`, `customer:<id>`, `rider:<id>`, `handler:<id>`.
 * Each part is percent-encoded, so a `:` inside an id can never make two recipients' keys meet.
 */
export function recipientKey(recipient: Recipient): RecipientKey {
  const parts = recipient.kind === 'member' ? [recipient.org, recipient.id] : [recipient.id];
  return [recipient.kind, ...parts.map((p) => encodeURIComponent(p))].join(':') as RecipientKey;
}

/** A member of an organisation. */
export function member(org: string, id: string): Recipient {
  return { kind: 'member', org: asTenant(org), id };
}

/**
 * The recipient a caller speaks for. A merchant's clerks act for the merchant (the token's
 * tenant), so every terminal of the merchant hears of its orders; a member is herself within
 * her organisation (the token's tenant); everyone else is themself.
 */
export function recipientOf(principal: Principal): Recipient {
  if (principal.role === 'merchant') return { kind: 'merchant', id: tenantOf(principal) };
  if (principal.role === 'member') return { kind: 'member', org: tenantOf(principal), id: principal.subject };
  const kind = RecipientKind.exclude(['merchant', 'member']).safeParse(principal.role);
  if (!kind.success) throw new AppError('FORBIDDEN', `a ${principal.role} receives no notifications`);
  return { kind: kind.data, id: principal.subject };
}
