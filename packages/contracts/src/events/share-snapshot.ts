import { z } from 'zod';

import { Locale } from '../order-words';

/** Where a guarantee order stands: in effect and open, or settled by a processing result. */
export const GuaranteeOrderStatus = z.enum(['active', 'completed', 'rejected', 'cancelled']);
export type GuaranteeOrderStatus = z.infer<typeof GuaranteeOrderStatus>;

/**
 * Where one share stands: waiting to be claimed, claimed, or over without a claim (the window
 * ran out, the owner revoked it, the target declined it, or a result closed the order first).
 */
export const ShareStatus = z.enum(['pending', 'claimed', 'expired', 'revoked', 'declined', 'closed']);
export type ShareStatus = z.infer<typeof ShareStatus>;

/** The languages an organisation's messages are written in. */

/**
 * What every share event says about the share and the order it is of, so the notification
 * service can tell both members without asking the sharing service anything.
 */
export const ShareSnapshot = z.object({
  orgId: z.string(),
  /** The original guarantee order (X). */
  orderId: z.string(),
  /** The share, which is also the id of the second order created for the target. */
  shareId: z.string(),
  /** The member who owns X and shared it (A). */
  ownerId: z.string(),
  /** The member X was shared with (B). */
  targetId: z.string(),
  orderType: z.string(),
  reference: z.string(),
  title: z.string(),
  shareStatus: ShareStatus,
  /** The claim window's end (server time), with the server's clock when it was said. */
  claimDeadline: z.iso.datetime(),
  serverTime: z.iso.datetime(),
  /** Claimed shares of X now, and the most X may have. */
  shareCount: z.number().int().nonnegative(),
  maxShares: z.number().int().positive(),
  locale: Locale,
});
export type ShareSnapshot = z.infer<typeof ShareSnapshot>;

/** An example snapshot, for the events' examples. */
export const exampleShare: ShareSnapshot = {
  orgId: 'org-hz-claims',
  orderId: 'go_7f3a9c21d4e8b605',
  shareId: 'so_4b1e0c9a7d2f',
  ownerId: 'member-wang',
  targetId: 'member-li',
  orderType: 'inpatient',
  reference: 'GP-2026-000184',
  title: 'Inpatient guarantee, Zhejiang Provincial Hospital',
  shareStatus: 'pending',
  claimDeadline: '2026-11-21T10:30:00.000Z',
  serverTime: '2026-11-21T10:00:00.000Z',
  shareCount: 0,
  maxShares: 3,
  locale: 'zh-CN',
};
