import type { GuaranteeOrderStatus, ShareSnapshot, ShareStatus } from '@orderpulse/contracts';
import type { TenantId } from '@orderpulse/service-kit';

/** A member's standing in an organisation: managers oversee every order of it; members their own. */
export type MemberRole = 'member' | 'manager';

/** An organisation: the tenant every guarantee order, member and share belongs to. */
export interface Organisation {
  orgId: TenantId;
  name: string;
  locale: 'zh-CN' | 'en';
  active: boolean;
}

export interface Member {
  orgId: TenantId;
  memberId: string;
  name: string;
  role: MemberRole;
  active: boolean;
}

/**
 * One share of an order with one member. Its id is also the id of the second order the target
 * sees: the second order is a view of the original plus this share, so anything that changes
 * either is a write to one document.
 */
export interface Share {
  id: string;
  targetId: string;
  status: ShareStatus;
  sharedAt: Date;
  claimDeadline: Date;
  claimedAt?: Date | undefined;
  endedAt?: Date | undefined;
}

/** A processing result and the status made from it. */
export interface ProcessingResult {
  status: Exclude<GuaranteeOrderStatus, 'active'>;
  note?: string | undefined;
  /** Who recorded it, on which order (the original or a second order). */
  by: { memberId: string; orderId: string };
  at: Date;
}

export type HistoryAction = 'record' | 'share' | 'claim' | 'revoke' | 'decline' | 'expire' | 'close' | 'process';

/** One line of an order's history. `system` is the claim-window timer. */
export interface HistoryEntry {
  at: Date;
  by: string;
  action: HistoryAction;
  shareId?: string;
  note?: string;
}

/** A guarantee order (seed 004's 保障订单) with its shares, as the sharing service keeps it. */
export interface GuaranteeOrder {
  orderId: string;
  orgId: TenantId;
  ownerId: string;
  /** The order's own number in the organisation's systems; unique per organisation. */
  reference: string;
  orderType: string;
  /** The type's place in the configured priority order, kept on the order so lists sort in the database. */
  typeRank: number;
  title: string;
  details?: string | undefined;
  locale: 'zh-CN' | 'en';
  effectiveAt: Date;
  recordedAt: Date;
  status: GuaranteeOrderStatus;
  version: number;
  /** Claimed shares: what the maximum share threshold bounds. */
  shareCount: number;
  shares: Share[];
  result?: ProcessingResult | undefined;
  history: HistoryEntry[];
}

/** A member acting in its organisation (the acting principal), as checked against the organisation's own records. */
export interface Actor {
  orgId: TenantId;
  memberId: string;
  role: MemberRole;
}

/**
 * Whether the acting member (of the order's organisation: the tenant is checked before this is asked) may see the order under `viewedAs`. Every member sees its organisation's
 * originals (they are what the shareable list shows); a second order is seen by the member it
 * is for, the owner who shared it, and managers.
 */
export function canView(order: GuaranteeOrder, acting: Pick<Actor, 'memberId' | 'role'>, viewedAs: string): boolean {
  if (viewedAs === order.orderId) return true;
  if (acting.role === 'manager' || order.ownerId === acting.memberId)
    return order.shares.some((s) => s.id === viewedAs);
  return order.shares.some((s) => s.id === viewedAs && s.targetId === acting.memberId);
}

/** What every share event carries. */
export function shareSnapshot(order: GuaranteeOrder, share: Share, now: Date, maxShares: number): ShareSnapshot {
  return {
    orgId: order.orgId,
    orderId: order.orderId,
    shareId: share.id,
    ownerId: order.ownerId,
    targetId: share.targetId,
    orderType: order.orderType,
    reference: order.reference,
    title: order.title,
    shareStatus: share.status,
    claimDeadline: share.claimDeadline.toISOString(),
    serverTime: now.toISOString(),
    shareCount: order.shareCount,
    maxShares,
    locale: order.locale,
  };
}

const shareView = (share: Share, now: Date) => ({
  shareId: share.id,
  targetId: share.targetId,
  status: share.status,
  sharedAt: share.sharedAt.toISOString(),
  claimDeadline: share.claimDeadline.toISOString(),
  remainingMs: share.status === 'pending' ? Math.max(0, share.claimDeadline.getTime() - now.getTime()) : 0,
  ...(share.claimedAt ? { claimedAt: share.claimedAt.toISOString() } : {}),
  ...(share.endedAt ? { endedAt: share.endedAt.toISOString() } : {}),
});

/**
 * An order as a terminal sees it: the original (`kind: original`) or a second order
 * (`kind: shared`) with the share it stands for. Both carry the same status, because both read
 * it from the one document; the claim deadline comes with the server's clock. Who an original
 * is shared with is shown only to its owner and to managers.
 */
export function orderView(
  order: GuaranteeOrder,
  viewedAs: string,
  acting: Pick<Actor, 'memberId' | 'role'>,
  now: Date,
  maxShares: number,
) {
  const common = {
    orgId: order.orgId,
    ownerId: order.ownerId,
    reference: order.reference,
    orderType: order.orderType,
    title: order.title,
    ...(order.details ? { details: order.details } : {}),
    effectiveAt: order.effectiveAt.toISOString(),
    status: order.status,
    version: order.version,
    shareCount: order.shareCount,
    maxShares,
    ...(order.result ? { result: { ...order.result, at: order.result.at.toISOString() } } : {}),
    serverTime: now.toISOString(),
  };
  const share = viewedAs === order.orderId ? undefined : order.shares.find((s) => s.id === viewedAs);
  if (share)
    return {
      orderId: share.id,
      kind: 'shared' as const,
      originalOrderId: order.orderId,
      holderId: share.targetId,
      ...common,
      share: shareView(share, now),
    };
  const seesShares = acting.role === 'manager' || acting.memberId === order.ownerId;
  return {
    orderId: order.orderId,
    kind: 'original' as const,
    ...common,
    ...(seesShares ? { shares: order.shares.map((s) => shareView(s, now)) } : {}),
  };
}

/**
 * An order's history as the acting member may read it, by the rule of {@link orderView}: the lines of a
 * share (who it went to, who claimed, declined or let it run out) are the owner's and managers'
 * to read on the original; the member holding a second order reads its own share's lines; lines
 * of no share (recording, results) are everyone's who may see the order.
 */
export function historyView(
  order: GuaranteeOrder,
  viewedAs: string,
  acting: Pick<Actor, 'memberId' | 'role'>,
): HistoryEntry[] {
  if (viewedAs !== order.orderId) return order.history.filter((h) => !h.shareId || h.shareId === viewedAs);
  const seesShares = acting.role === 'manager' || acting.memberId === order.ownerId;
  return seesShares ? order.history : order.history.filter((h) => !h.shareId);
}

/** The short form the shareable list shows. */
export function listItem(order: GuaranteeOrder, maxShares: number) {
  return {
    orderId: order.orderId,
    ownerId: order.ownerId,
    reference: order.reference,
    orderType: order.orderType,
    priority: order.typeRank,
    title: order.title,
    effectiveAt: order.effectiveAt.toISOString(),
    status: order.status,
    shareCount: order.shareCount,
    maxShares,
    pendingShares: order.shares.filter((s) => s.status === 'pending').length,
  };
}

/** An order type's place in the priority list (0 is the highest); unnamed types come after all named ones. */
export function typeRankOf(priority: readonly string[], orderType: string): number {
  const index = priority.indexOf(orderType);
  return index >= 0 ? index : priority.length;
}
