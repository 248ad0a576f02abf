import { newEvent, ShareClaimed, ShareDeclined, ShareExpired, ShareOffered, ShareRevoked } from '@orderpulse/contracts';
import { AppError, LOST_RACE, retryOnConflict, type TenantId } from '@orderpulse/service-kit';

import { type Actor, canView, type GuaranteeOrder, type Share, shareSnapshot } from '../guarantee-order';
import { type ShareAction, shareStep } from '../share-lifecycle';
import { decideClaim, decideDecline, decideRevoke, decideShare, isOverdue } from '../share-rules';
import { claimExpiryJobId, type SharingPorts } from './ports';
import { refusal, untilWritten } from './write-guarantee-order.use-case';

export interface ShareOutcome {
  order: GuaranteeOrder;
  share: Share;
  created: boolean;
}

const rulesOf = (ports: SharingPorts) => ({
  claimWindowSeconds: ports.settings.claimWindowSeconds,
  maxShares: ports.settings.maxShares,
});

/** Another change won the race: nothing to cancel then. Timers left behind find nothing to do. */
async function cancelTimer(ports: SharingPorts, shareId: string): Promise<void> {
  await ports.timers.cancel(claimExpiryJobId(shareId)).catch(() => false);
}

/**
 * One step of a share, written: the share after `action` (its lifecycle's), a claim counted
 * against the threshold, the step's event and a line of history, in one version-guarded write of
 * the original. Undefined when another change came first (the caller reads again).
 */
async function writeShareStep(
  ports: SharingPorts,
  order: GuaranteeOrder,
  share: Share,
  step: {
    action: Exclude<ShareAction, 'share' | 'close'>;
    by: string;
    now: Date;
    event: typeof ShareClaimed | typeof ShareRevoked | typeof ShareDeclined | typeof ShareExpired;
  },
): Promise<ShareOutcome | undefined> {
  const next = shareStep(share, step.action, step.now);
  const shares = order.shares.map((s) => (s.id === share.id ? next : s));
  const shareCount = step.action === 'claim' ? order.shareCount + 1 : order.shareCount;
  const data = shareSnapshot({ ...order, shares, shareCount }, next, step.now, ports.settings.maxShares);
  const event = newEvent(step.event, { source: ports.settings.source, subject: order.orderId, data });
  const updated = await ports.orders.update(
    order.orgId,
    order.orderId,
    order.version,
    {
      set: { shares, ...(shareCount !== order.shareCount ? { shareCount } : {}) },
      history: [{ at: step.now, by: step.by, action: step.action, shareId: share.id }],
    },
    [{ topic: ports.settings.sharingEventsTopic, event }],
  );
  if (!updated) return undefined;
  return { order: updated, share: next, created: true };
}

/** The order a second order belongs to, and that share, if the member may see it. */
async function shareFor(
  ports: SharingPorts,
  acting: Actor,
  shareId: string,
): Promise<{ order: GuaranteeOrder; share: Share }> {
  const order = await ports.orders.bySecondOrder(acting.orgId, shareId);
  const share = order?.shares.find((s) => s.id === shareId);
  if (!order || !share || !canView(order, acting, shareId)) throw AppError.notFound(`order ${shareId}`);
  return { order, share };
}

/**
 * The owner shares an order with another member of the organisation (seed 004): a second
 * order is created for the target, linked to the original, and the target is told to claim it
 * before the claim window closes. The share, its event and the timer's deadline are written
 * with the original in one document; the timer follows, and the reconciler re-creates it if
 * the process dies in between.
 */
export async function shareOrder(
  ports: SharingPorts,
  acting: Actor,
  orderId: string,
  targetId: string,
): Promise<ShareOutcome> {
  const target = await ports.organisations.member(acting.orgId, targetId);
  if (!target?.active)
    throw AppError.notFound(`member ${targetId} in this organisation`, { reason: 'target_not_member' });
  const shareId = ports.newShareId();
  const outcome = await untilWritten(async () => {
    const order = await ports.orders.get(acting.orgId, orderId);
    if (!order) throw AppError.notFound(`order ${orderId}`);
    const now = ports.clock();
    const decision = decideShare(order, acting.memberId, targetId, shareId, now, rulesOf(ports));
    if (!decision.ok) throw refusal(decision, order, orderId, acting, now, ports.settings.maxShares);
    if ('existing' in decision) return { order, share: decision.existing, created: false };
    const shares = [...order.shares, decision.share];
    const event = newEvent(ShareOffered, {
      source: ports.settings.source,
      subject: order.orderId,
      data: shareSnapshot({ ...order, shares }, decision.share, now, ports.settings.maxShares),
    });
    const updated = await ports.orders.update(
      order.orgId,
      order.orderId,
      order.version,
      { set: { shares }, history: [{ at: now, by: acting.memberId, action: 'share', shareId }] },
      [{ topic: ports.settings.sharingEventsTopic, event }],
    );
    if (!updated) return undefined;
    return { order: updated, share: decision.share, created: true };
  });
  if (outcome.created)
    await ports.timers.scheduleAt(claimExpiryJobId(outcome.share.id), outcome.share.claimDeadline, {
      orgId: acting.orgId,
      orderId,
      shareId: outcome.share.id,
    });
  return outcome;
}

/**
 * The target claims its second order: inside the claim window and while the original's claimed
 * shares are under the threshold, or 409 with the reason. The count is checked and raised in
 * the same version-guarded write, so however many claims race, on however many instances, the
 * count never passes the threshold. Claiming again answers as the first claim did.
 */
export async function claimShare(ports: SharingPorts, acting: Actor, shareId: string): Promise<ShareOutcome> {
  const outcome = await untilWritten(async () => {
    const { order, share } = await shareFor(ports, acting, shareId);
    const now = ports.clock();
    const decision = decideClaim(order, share, acting.memberId, now, rulesOf(ports));
    if (!decision.ok) {
      // Past the deadline with the timer not yet run: close the share now, then refuse.
      const settled = 'expire' in decision ? await expireShare(ports, order.orgId, order.orderId, shareId) : order;
      throw refusal(decision, settled ?? order, shareId, acting, now, ports.settings.maxShares);
    }
    if (decision.already) return { order, share, created: false };
    return writeShareStep(ports, order, share, { action: 'claim', by: acting.memberId, now, event: ShareClaimed });
  });
  if (outcome.created) await cancelTimer(ports, shareId);
  return outcome;
}

/** The owner takes back a share nobody has claimed yet; the target is told. */
export async function revokeShare(ports: SharingPorts, acting: Actor, shareId: string): Promise<ShareOutcome> {
  const outcome = await untilWritten(async () => {
    const { order, share } = await shareFor(ports, acting, shareId);
    const now = ports.clock();
    const decision = decideRevoke(order, share, acting.memberId);
    if (!decision.ok) throw refusal(decision, order, shareId, acting, now, ports.settings.maxShares);
    if (decision.already) return { order, share, created: false };
    return writeShareStep(ports, order, share, { action: 'revoke', by: acting.memberId, now, event: ShareRevoked });
  });
  if (outcome.created) await cancelTimer(ports, shareId);
  return outcome;
}

/** The target turns down a share it has not claimed; the owner is told and may share with someone else. */
export async function declineShare(ports: SharingPorts, acting: Actor, shareId: string): Promise<ShareOutcome> {
  const outcome = await untilWritten(async () => {
    const { order, share } = await shareFor(ports, acting, shareId);
    const now = ports.clock();
    const decision = decideDecline(share, acting.memberId);
    if (!decision.ok) throw refusal(decision, order, shareId, acting, now, ports.settings.maxShares);
    if (decision.already) return { order, share, created: false };
    return writeShareStep(ports, order, share, { action: 'decline', by: acting.memberId, now, event: ShareDeclined });
  });
  if (outcome.created) await cancelTimer(ports, shareId);
  return outcome;
}

/**
 * The claim window's end: a share still pending is closed and the owner told. Idempotent: a
 * share claimed, revoked or expired meanwhile is left alone. Returns the order as it ends up.
 */
export async function expireShare(
  ports: SharingPorts,
  orgId: TenantId,
  orderId: string,
  shareId: string,
): Promise<GuaranteeOrder | undefined> {
  return retryOnConflict(`guarantee order ${orderId}`, async () => {
    const order = await ports.orders.get(orgId, orderId);
    const share = order?.shares.find((s) => s.id === shareId);
    const now = ports.clock();
    if (!order || !share || !isOverdue(share, now)) return order;
    const written = await writeShareStep(ports, order, share, {
      action: 'expire',
      by: 'system',
      now,
      event: ShareExpired,
    });
    return written ? written.order : LOST_RACE;
  });
}
