import { z } from 'zod';

import { GuaranteeOrderStatus, ShareStatus } from '../events/share-snapshot';
import { Locale } from '../order-words';

/** An organisation: the tenant its members, guarantee orders and shares belong to. */
export const OrganisationView = z.object({
  orgId: z.string(),
  name: z.string(),
  locale: Locale.describe('the language the organisation’s members are written to in'),
  active: z.boolean().describe('an inactive organisation’s members can do nothing'),
});

/** A member of an organisation. */
export const MemberView = z.object({
  orgId: z.string(),
  memberId: z.string(),
  name: z.string(),
  role: z
    .enum(['member', 'manager'])
    .describe('a manager sees every order of the organisation and who each is shared with; a member its own'),
  active: z.boolean().describe('an inactive member loses access at once, whatever tokens it still holds'),
});

/** An organisation's members, by member id. */
export const MemberList = z.object({ members: z.array(MemberView) });

/** One share of a guarantee order with one member, with its claim window counted by the server's clock. */
export const ShareView = z.object({
  shareId: z.string().describe('also the id of the second order the target sees'),
  targetId: z.string().describe('the member it is shared with'),
  status: ShareStatus,
  sharedAt: z.iso.datetime(),
  claimDeadline: z.iso.datetime().describe('when the claim window closes'),
  remainingMs: z
    .number()
    .int()
    .nonnegative()
    .describe('milliseconds from the order’s `serverTime` to `claimDeadline` while pending, else 0'),
  claimedAt: z.iso.datetime().optional(),
  endedAt: z.iso.datetime().optional().describe('when it was revoked, declined, expired or closed'),
});

const orderFields = {
  orgId: z.string(),
  ownerId: z.string().describe('the member who holds the original'),
  reference: z.string().describe('the order’s own number in the organisation’s systems'),
  orderType: z.string(),
  title: z.string(),
  details: z.string().optional(),
  effectiveAt: z.iso.datetime().describe('when the order took effect'),
  status: GuaranteeOrderStatus.describe('the same on the original and on every second order'),
  version: z.number().int().min(1).describe('one more for each change'),
  shareCount: z.number().int().nonnegative().describe('the claimed shares, which `maxShares` bounds'),
  maxShares: z.number().int().positive(),
  result: z
    .object({
      status: GuaranteeOrderStatus.exclude(['active']),
      note: z.string().optional(),
      by: z.object({
        memberId: z.string(),
        orderId: z.string().describe('the original or the second order it was recorded on'),
      }),
      at: z.iso.datetime(),
    })
    .optional()
    .describe('the processing result that settled the order'),
  serverTime: z.iso
    .datetime()
    .describe('the server’s clock when this was said: a screen counts the claim window from it'),
};

/**
 * A guarantee order as a member sees it: the original (`kind: original`; its shares shown to its
 * owner and managers only), or a second order (`kind: shared`) with the one share it stands for.
 */
export const GuaranteeOrderView = z.discriminatedUnion('kind', [
  z.object({ orderId: z.string(), kind: z.literal('original'), ...orderFields, shares: z.array(ShareView).optional() }),
  z.object({
    orderId: z.string().describe('the second order’s id, which is its share’s'),
    kind: z.literal('shared'),
    originalOrderId: z.string(),
    holderId: z.string().describe('the member the share is for'),
    ...orderFields,
    share: ShareView,
  }),
]);

/** A member's orders: its originals, or one second order for each share it was offered. */
export const GuaranteeOrderList = z.object({ orders: z.array(GuaranteeOrderView) });

/** A page of the other members' open orders, in the configured order-type priority, then by when they took effect. */
export const ShareableOrderList = z.object({
  orders: z.array(
    z.object({
      orderId: z.string(),
      ownerId: z.string(),
      reference: z.string(),
      orderType: z.string(),
      priority: z
        .number()
        .int()
        .nonnegative()
        .describe('the type’s place in the priority list, 0 first; types it does not name come after all it does'),
      title: z.string(),
      effectiveAt: z.iso.datetime(),
      status: GuaranteeOrderStatus,
      shareCount: z.number().int().nonnegative(),
      maxShares: z.number().int().positive(),
      pendingShares: z.number().int().nonnegative().describe('shares waiting to be claimed'),
    }),
  ),
  nextCursor: z.string().nullable().describe('the `cursor` of the next page; null on a page shorter than `limit`'),
});

/** An order's history as the viewer may read it, oldest first. */
export const GuaranteeOrderHistory = z.object({
  orderId: z.string().describe('the order as asked for: the original or a second order'),
  history: z.array(
    z.object({
      at: z.iso.datetime(),
      by: z.string().describe('the member who did it; `system` for the claim-window timer'),
      action: z.enum(['record', 'share', 'claim', 'revoke', 'decline', 'expire', 'close', 'process']),
      shareId: z.string().optional().describe('the share the line is about'),
      note: z.string().optional(),
    }),
  ),
});
