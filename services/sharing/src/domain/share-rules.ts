import type { GuaranteeOrderStatus } from '@orderpulse/contracts';

import type { GuaranteeOrder, ProcessingResult, Share } from './guarantee-order';
import { offeredShare } from './share-lifecycle';

/** Why a share action was refused; terminals show it and tests assert it. */
export type RefusalReason =
  | 'not_owner'
  | 'not_target'
  | 'not_holder'
  | 'self_share'
  | 'order_settled'
  | 'max_shares_reached'
  | 'too_many_open_shares'
  | 'too_many_shares'
  | 'claim_window_closed'
  | 'share_expired'
  | 'share_revoked'
  | 'share_declined'
  | 'share_closed'
  | 'share_claimed'
  | 'share_not_claimed'
  | 'note_required';

export interface Refusal {
  ok: false;
  code: 'FORBIDDEN' | 'CONFLICT' | 'WINDOW_CLOSED' | 'INVALID_INPUT';
  reason: RefusalReason;
  message: string;
}

const refuse = (code: Refusal['code'], reason: RefusalReason, message: string): Refusal => ({
  ok: false,
  code,
  reason,
  message,
});

/**
 * Open shares one order may have at once. Each lives in the order's document, so the number is
 * bounded; fifty is more colleagues than anyone asks at once.
 */
export const maxOpenShares = 50;

/** Shares one order keeps, ended ones included, so a share–revoke loop cannot grow its document without end. */
export const maxKeptShares = 500;

export interface SharingRules {
  claimWindowSeconds: number;
  maxShares: number;
}

/** A refusal for a share that is over, saying how it ended. */
function ended(share: Share): Refusal {
  switch (share.status) {
    case 'expired':
      return refuse(
        'WINDOW_CLOSED',
        'share_expired',
        `the claim window closed at ${share.claimDeadline.toISOString()}`,
      );
    case 'revoked':
      return refuse('CONFLICT', 'share_revoked', 'the owner revoked this share');
    case 'declined':
      return refuse('CONFLICT', 'share_declined', 'the share was declined');
    default:
      return refuse('CONFLICT', 'share_closed', 'the order was settled before this share was claimed');
  }
}

export type ShareDecision = Refusal | { ok: true; existing: Share } | { ok: true; share: Share };

/**
 * The owner shares an open order with another member. Sharing again with a member who already
 * holds a pending or claimed share of it answers with that share, so a retried instruction
 * creates nothing new.
 */
export function decideShare(
  order: GuaranteeOrder,
  actorId: string,
  targetId: string,
  newShareId: string,
  now: Date,
  rules: SharingRules,
): ShareDecision {
  if (order.ownerId !== actorId) return refuse('FORBIDDEN', 'not_owner', 'only the owner of an order shares it');
  if (targetId === order.ownerId)
    return refuse('INVALID_INPUT', 'self_share', 'an order cannot be shared with its owner');
  const existing = order.shares.find(
    (s) => s.targetId === targetId && (s.status === 'pending' || s.status === 'claimed'),
  );
  if (existing) return { ok: true, existing };
  if (order.status !== 'active') return refuse('CONFLICT', 'order_settled', `the order is already ${order.status}`);
  if (order.shareCount >= rules.maxShares)
    return refuse(
      'CONFLICT',
      'max_shares_reached',
      `the order is already shared with ${order.shareCount} of at most ${rules.maxShares} members`,
    );
  if (order.shares.filter((s) => s.status === 'pending').length >= maxOpenShares) {
    return refuse('CONFLICT', 'too_many_open_shares', `the order has ${maxOpenShares} shares waiting to be claimed`);
  }
  if (order.shares.length >= maxKeptShares)
    return refuse(
      'CONFLICT',
      'too_many_shares',
      `the order has been shared ${maxKeptShares} times; no more shares can be kept`,
    );
  return {
    ok: true,
    share: offeredShare(newShareId, targetId, now, new Date(now.getTime() + rules.claimWindowSeconds * 1_000)),
  };
}

export type ClaimDecision =
  | Refusal
  | { ok: true; already: boolean }
  | { ok: false; code: 'WINDOW_CLOSED'; reason: 'claim_window_closed'; message: string; expire: true };

/**
 * The target claims its share: inside the claim window, while the order is open and its claimed
 * shares are under the threshold. Claiming a share already claimed succeeds again and changes
 * nothing. A pending share past its deadline is refused and is to be expired at once, because its
 * timer may not have run yet.
 */
export function decideClaim(
  order: GuaranteeOrder,
  share: Share,
  actorId: string,
  now: Date,
  rules: SharingRules,
): ClaimDecision {
  if (share.targetId !== actorId) return refuse('FORBIDDEN', 'not_target', 'only the member a share is for claims it');
  if (share.status === 'claimed') return { ok: true, already: true };
  if (share.status !== 'pending') return ended(share);
  if (order.status !== 'active') return refuse('CONFLICT', 'order_settled', `the order is already ${order.status}`);
  if (now.getTime() >= share.claimDeadline.getTime()) {
    return {
      ok: false,
      code: 'WINDOW_CLOSED',
      reason: 'claim_window_closed',
      message: `the claim window closed at ${share.claimDeadline.toISOString()}`,
      expire: true,
    };
  }
  if (order.shareCount >= rules.maxShares)
    return refuse(
      'CONFLICT',
      'max_shares_reached',
      `the order is already shared with ${order.shareCount} of at most ${rules.maxShares} members`,
    );
  return { ok: true, already: false };
}

export type RevokeDecision = Refusal | { ok: true; already: boolean };

/** The owner takes back a share nobody has claimed; revoking it again changes nothing. */
export function decideRevoke(order: GuaranteeOrder, share: Share, actorId: string): RevokeDecision {
  if (order.ownerId !== actorId)
    return refuse('FORBIDDEN', 'not_owner', 'only the owner of an order revokes its shares');
  if (share.status === 'revoked') return { ok: true, already: true };
  if (share.status === 'claimed')
    return refuse('CONFLICT', 'share_claimed', 'the share was claimed already and can no longer be revoked');
  if (share.status !== 'pending') return ended(share);
  return { ok: true, already: false };
}

export type DeclineDecision = Refusal | { ok: true; already: boolean };

/**
 * The target turns a share down before claiming it, so the owner need not wait for the window
 * to run out; declining it again changes nothing.
 */
export function decideDecline(share: Share, actorId: string): DeclineDecision {
  if (share.targetId !== actorId)
    return refuse('FORBIDDEN', 'not_target', 'only the member a share is for declines it');
  if (share.status === 'declined') return { ok: true, already: true };
  if (share.status === 'claimed')
    return refuse('CONFLICT', 'share_claimed', 'the share was claimed already; record a result instead');
  if (share.status !== 'pending') return ended(share);
  return { ok: true, already: false };
}

/** Whether the claim-window timer closes the share now: only a pending share past its deadline. */
export function isOverdue(share: Share, now: Date): boolean {
  return share.status === 'pending' && now.getTime() >= share.claimDeadline.getTime();
}

export type ResultDecision = Refusal | { ok: true; result: ProcessingResult };

/**
 * A processing result on the original (by its owner) or on a second order (by the member who
 * claimed it). The first result settles the order; any later one is refused with the order's
 * state, so two results at once never both count.
 */
export function decideResult(
  order: GuaranteeOrder,
  onOrderId: string,
  actorId: string,
  input: { status: Exclude<GuaranteeOrderStatus, 'active'>; note?: string | undefined },
  now: Date,
): ResultDecision {
  if (onOrderId === order.orderId) {
    if (order.ownerId !== actorId)
      return refuse('FORBIDDEN', 'not_owner', 'only the owner records results on the original order');
  } else {
    const share = order.shares.find((s) => s.id === onOrderId);
    if (!share || share.targetId !== actorId)
      return refuse('FORBIDDEN', 'not_holder', 'only the member holding a second order records results on it');
    if (share.status !== 'claimed')
      return refuse('CONFLICT', 'share_not_claimed', `the share is ${share.status}; claim it first`);
  }
  if (order.status !== 'active') return refuse('CONFLICT', 'order_settled', `the order is already ${order.status}`);
  if (input.status !== 'completed' && !input.note?.trim())
    return refuse('INVALID_INPUT', 'note_required', `a ${input.status} result needs a note saying why`);
  return {
    ok: true,
    result: {
      status: input.status,
      ...(input.note ? { note: input.note } : {}),
      by: { memberId: actorId, orderId: onOrderId },
      at: now,
    },
  };
}
