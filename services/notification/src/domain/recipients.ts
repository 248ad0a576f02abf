import { AppError, type Principal } from '@orderpulse/service-kit';
import { z } from 'zod';

/** Who can be told something: the kinds of people at orderpulse's terminals. */
export const RecipientKind = z.enum(['customer', 'merchant', 'rider', 'handler', 'member']);
export type RecipientKind = z.infer<typeof RecipientKind>;

/** One recipient: a customer, a merchant (all of its terminals), a delivery terminal, a handler, a member. */
export interface Recipient {
  kind: RecipientKind;
  id: string;
}

/** The key a recipient's devices, backlog and delivery log are filed under: `merchant:m-1`. */
export function recipientKey(recipient: Recipient): string {
  return `${recipient.kind}:${recipient.id}`;
}

export function parseRecipientKey(key: string): Recipient | undefined {
  const [kind, ...rest] = key.split(':');
  const parsed = RecipientKind.safeParse(kind);
  const id = rest.join(':');
  return parsed.success && id ? { kind: parsed.data, id } : undefined;
}

/**
 * The recipient a caller speaks for. A merchant's clerks act for the merchant (the token's
 * tenant), so every terminal of the merchant hears of its orders; everyone else is themself.
 */
export function recipientOf(principal: Principal): Recipient {
  if (principal.role === 'merchant') {
    if (!principal.tenant) throw new AppError('FORBIDDEN', 'a merchant token must name its merchant (tenant)');
    return { kind: 'merchant', id: principal.tenant };
  }
  const kind = RecipientKind.safeParse(principal.role);
  if (!kind.success) throw new AppError('FORBIDDEN', `a ${principal.role} receives no notifications`);
  return { kind: kind.data, id: principal.subject };
}
