import type { ShareStatus } from '@orderpulse/contracts';

import type { HistoryAction, Share } from './guarantee-order';

/** What happens to a share, as the order's history names it. */
export type ShareAction = Extract<HistoryAction, 'share' | 'claim' | 'revoke' | 'decline' | 'expire' | 'close'>;

/** One edge of a share's lifecycle: the action, the status it is taken from (`null`: the share is being made), the one it leads to, and who takes it. */
export interface ShareTransition {
  action: ShareAction;
  from: ShareStatus | null;
  to: ShareStatus;
  by: 'owner' | 'target' | 'system';
}

/**
 * A share's lifecycle (seed 004: the owner shares an order with a member, who claims the second
 * order within the claim window; either side's processing result settles the order), declared as
 * orders' is in the order service. Every status a share is written with comes from here, through
 * {@link shareStep}; the guards that refuse an action with its reason (the owner, the window, the
 * threshold) are `share-rules.ts`. A share ends claimed, expired, revoked, declined or closed.
 */
export const shareTransitions: readonly ShareTransition[] = [
  { action: 'share', from: null, to: 'pending', by: 'owner' },
  { action: 'claim', from: 'pending', to: 'claimed', by: 'target' },
  { action: 'revoke', from: 'pending', to: 'revoked', by: 'owner' },
  { action: 'decline', from: 'pending', to: 'declined', by: 'target' },
  // The claim window ran out.
  { action: 'expire', from: 'pending', to: 'expired', by: 'system' },
  // The order was settled (a processing result) before the share was claimed.
  { action: 'close', from: 'pending', to: 'closed', by: 'system' },
];

/**
 * The share after `action`, checked against {@link shareTransitions}, with the moment it was
 * claimed or ended. Throws when the table does not allow it — a use case asking for a step its
 * guards (`share-rules.ts`) should have refused, never the caller's input.
 */
export function shareStep(share: Share, action: Exclude<ShareAction, 'share'>, now: Date): Share {
  const edge = shareTransitions.find((t) => t.action === action && t.from === share.status);
  if (!edge) throw new Error(`share lifecycle: a share that is ${share.status} cannot take ${action}`);
  return edge.to === 'claimed'
    ? { ...share, status: edge.to, claimedAt: now }
    : { ...share, status: edge.to, endedAt: now };
}

/** A new share, as the owner's `share` makes it: waiting to be claimed until `claimDeadline`. */
export function offeredShare(id: string, targetId: string, sharedAt: Date, claimDeadline: Date): Share {
  const edge = shareTransitions.find((t) => t.action === 'share' && t.from === null);
  if (!edge) throw new Error('share lifecycle: no edge makes a share');
  return { id, targetId, status: edge.to, sharedAt, claimDeadline };
}
