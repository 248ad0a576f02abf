import { asTenant } from '@orderpulse/service-kit';

import { canView, type GuaranteeOrder, orderView, type Share, typeRankOf } from '../src/domain/guarantee-order';
import {
  decideClaim,
  decideDecline,
  decideResult,
  decideRevoke,
  decideShare,
  isOverdue,
  maxKeptShares,
  maxOpenShares,
} from '../src/domain/share-rules';

const now = new Date('2026-11-21T10:00:00.000Z');
const rules = { claimWindowSeconds: 600, maxShares: 2 };
const pending = (id: string, targetId: string, deadline = new Date(now.getTime() + 60_000)): Share => ({
  id,
  targetId,
  status: 'pending',
  sharedAt: now,
  claimDeadline: deadline,
});

function order(overrides: Partial<GuaranteeOrder> = {}): GuaranteeOrder {
  return {
    orderId: 'go_1',
    orgId: asTenant('org-1'),
    ownerId: 'a',
    reference: 'GP-1',
    orderType: 'inpatient',
    typeRank: 1,
    title: 'Inpatient',
    locale: 'en',
    effectiveAt: now,
    recordedAt: now,
    status: 'active',
    version: 1,
    shareCount: 0,
    shares: [],
    history: [],
    ...overrides,
  };
}

describe('share rules (pure)', () => {
  test('the owner shares with a colleague: a pending share whose deadline is the claim window from now', () => {
    const decision = decideShare(order(), 'a', 'b', 'so_1', now, rules);
    expect(decision).toEqual({
      ok: true,
      share: {
        id: 'so_1',
        targetId: 'b',
        status: 'pending',
        sharedAt: now,
        claimDeadline: new Date('2026-11-21T10:10:00.000Z'),
      },
    });
  });

  test('sharing is refused to non-owners, to the owner itself, on settled orders, at the threshold and past the open and kept share caps', () => {
    expect(decideShare(order(), 'b', 'c', 'so_1', now, rules)).toMatchObject({
      ok: false,
      code: 'FORBIDDEN',
      reason: 'not_owner',
    });
    expect(decideShare(order(), 'a', 'a', 'so_1', now, rules)).toMatchObject({
      ok: false,
      code: 'INVALID_INPUT',
      reason: 'self_share',
    });
    expect(decideShare(order({ status: 'completed' }), 'a', 'b', 'so_1', now, rules)).toMatchObject({
      ok: false,
      reason: 'order_settled',
    });
    expect(decideShare(order({ shareCount: 2 }), 'a', 'b', 'so_1', now, rules)).toMatchObject({
      ok: false,
      code: 'CONFLICT',
      reason: 'max_shares_reached',
    });
    const crowded = order({ shares: Array.from({ length: maxOpenShares }, (_, i) => pending(`so_${i}`, `m-${i}`)) });
    expect(decideShare(crowded, 'a', 'b', 'so_x', now, rules)).toMatchObject({
      ok: false,
      reason: 'too_many_open_shares',
    });
    const worn = order({
      shares: Array.from({ length: maxKeptShares }, (_, i) => ({
        ...pending(`so_${i}`, `m-${i}`),
        status: 'revoked' as const,
      })),
    });
    expect(decideShare(worn, 'a', 'b', 'so_x', now, rules)).toMatchObject({ ok: false, reason: 'too_many_shares' });
  });

  test('sharing again with a member who holds an open share answers with that share', () => {
    const existing = pending('so_1', 'b');
    expect(decideShare(order({ shares: [existing] }), 'a', 'b', 'so_2', now, rules)).toEqual({ ok: true, existing });
  });

  test('a claim succeeds for the target inside the window under the threshold, and again as a no-op once claimed', () => {
    const share = pending('so_1', 'b');
    expect(decideClaim(order({ shares: [share] }), share, 'b', now, rules)).toEqual({ ok: true, already: false });
    const claimed = { ...share, status: 'claimed' as const };
    expect(decideClaim(order({ shares: [claimed], shareCount: 2 }), claimed, 'b', now, rules)).toEqual({
      ok: true,
      already: true,
    });
  });

  test('a claim is refused for others, at the deadline (to be expired), at the threshold, and on ended shares with how they ended', () => {
    const share = pending('so_1', 'b');
    expect(decideClaim(order({ shares: [share] }), share, 'c', now, rules)).toMatchObject({
      code: 'FORBIDDEN',
      reason: 'not_target',
    });
    const due = pending('so_1', 'b', now);
    expect(decideClaim(order({ shares: [due] }), due, 'b', now, rules)).toMatchObject({
      code: 'WINDOW_CLOSED',
      reason: 'claim_window_closed',
      expire: true,
    });
    expect(decideClaim(order({ shares: [share], shareCount: 2 }), share, 'b', now, rules)).toMatchObject({
      code: 'CONFLICT',
      reason: 'max_shares_reached',
    });
    expect(decideClaim(order(), { ...share, status: 'expired' }, 'b', now, rules)).toMatchObject({
      code: 'WINDOW_CLOSED',
      reason: 'share_expired',
    });
    expect(decideClaim(order(), { ...share, status: 'revoked' }, 'b', now, rules)).toMatchObject({
      reason: 'share_revoked',
    });
    expect(decideClaim(order(), { ...share, status: 'closed' }, 'b', now, rules)).toMatchObject({
      reason: 'share_closed',
    });
  });

  test('only the owner revokes, only a pending share, and revoking twice is a no-op', () => {
    const share = pending('so_1', 'b');
    expect(decideRevoke(order(), share, 'a')).toEqual({ ok: true, already: false });
    expect(decideRevoke(order(), share, 'b')).toMatchObject({ reason: 'not_owner' });
    expect(decideRevoke(order(), { ...share, status: 'claimed' }, 'a')).toMatchObject({ reason: 'share_claimed' });
    expect(decideRevoke(order(), { ...share, status: 'revoked' }, 'a')).toEqual({ ok: true, already: true });
  });

  test('only the target declines, only a share not yet claimed, and declining twice is a no-op', () => {
    const share = pending('so_1', 'b');
    expect(decideDecline(share, 'b')).toEqual({ ok: true, already: false });
    expect(decideDecline(share, 'a')).toMatchObject({ reason: 'not_target' });
    expect(decideDecline({ ...share, status: 'claimed' }, 'b')).toMatchObject({ reason: 'share_claimed' });
    expect(decideDecline({ ...share, status: 'declined' }, 'b')).toEqual({ ok: true, already: true });
    expect(decideDecline({ ...share, status: 'expired' }, 'b')).toMatchObject({ reason: 'share_expired' });
  });

  test('a share is overdue only while pending and at or past its deadline', () => {
    expect(isOverdue(pending('s', 'b', now), now)).toBe(true);
    expect(isOverdue(pending('s', 'b'), now)).toBe(false);
    expect(isOverdue({ ...pending('s', 'b', now), status: 'claimed' }, now)).toBe(false);
  });

  test('a result is taken from the owner on the original and from the claimant on its second order, once', () => {
    const claimed: Share = { ...pending('so_1', 'b'), status: 'claimed' };
    const o = order({ shares: [claimed, pending('so_2', 'c')], shareCount: 1 });
    expect(decideResult(o, 'go_1', 'a', { status: 'completed' }, now)).toMatchObject({
      ok: true,
      result: { status: 'completed', by: { memberId: 'a', orderId: 'go_1' } },
    });
    expect(decideResult(o, 'so_1', 'b', { status: 'cancelled', note: 'discharged' }, now)).toMatchObject({
      ok: true,
      result: { by: { memberId: 'b', orderId: 'so_1' } },
    });
    expect(decideResult(o, 'go_1', 'b', { status: 'completed' }, now)).toMatchObject({ reason: 'not_owner' });
    expect(decideResult(o, 'so_2', 'c', { status: 'completed' }, now)).toMatchObject({ reason: 'share_not_claimed' });
    expect(decideResult(o, 'go_1', 'a', { status: 'rejected' }, now)).toMatchObject({ reason: 'note_required' });
    expect(decideResult({ ...o, status: 'completed' }, 'so_1', 'b', { status: 'completed' }, now)).toMatchObject({
      code: 'CONFLICT',
      reason: 'order_settled',
    });
  });

  test('priority ranks follow the configured order, unnamed types last; views of both orders carry one status; only owner and managers see who it is shared with', () => {
    expect(
      ['inpatient', 'dental', 'critical_illness'].map((t) => typeRankOf(['critical_illness', 'inpatient'], t)),
    ).toEqual([1, 2, 0]);
    const claimed: Share = { ...pending('so_1', 'b'), status: 'claimed' };
    const settled = order({ status: 'rejected', shares: [claimed], shareCount: 1 });
    const owner = { memberId: 'a', role: 'member' as const };
    expect(orderView(settled, 'go_1', owner, now, 2)).toMatchObject({
      kind: 'original',
      status: 'rejected',
      shares: [{ shareId: 'so_1' }],
    });
    expect(orderView(settled, 'go_1', { memberId: 'c', role: 'member' }, now, 2)).not.toHaveProperty('shares');
    expect(orderView(settled, 'so_1', owner, now, 2)).toMatchObject({
      kind: 'shared',
      orderId: 'so_1',
      originalOrderId: 'go_1',
      status: 'rejected',
      share: { status: 'claimed', remainingMs: 0 },
    });
    expect(canView(settled, { memberId: 'c', role: 'member' }, 'so_1')).toBe(false);
    expect(canView(settled, { memberId: 'c', role: 'manager' }, 'so_1')).toBe(true);
    expect(canView(settled, { memberId: 'b', role: 'member' }, 'so_1')).toBe(true);
  });
});
