import type { ShareStatus } from '@orderpulse/contracts';

import type { Share } from '../src/domain/guarantee-order';
import { offeredShare, shareStep, shareTransitions } from '../src/domain/share-lifecycle';

const now = new Date('2026-12-07T10:00:00.000Z');
const later = new Date('2026-12-07T10:05:00.000Z');
const pending: Share = offeredShare('so_1', 'member-2', now, new Date(now.getTime() + 600_000));

describe('the share lifecycle (seed 004)', () => {
  test('a share is offered pending; claimed, it records when; ended any other way, it records when it ended', () => {
    expect(pending).toEqual({
      id: 'so_1',
      targetId: 'member-2',
      status: 'pending',
      sharedAt: now,
      claimDeadline: new Date(now.getTime() + 600_000),
    });
    expect(shareStep(pending, 'claim', later)).toEqual({ ...pending, status: 'claimed', claimedAt: later });
    for (const [action, status] of [
      ['revoke', 'revoked'],
      ['decline', 'declined'],
      ['expire', 'expired'],
      ['close', 'closed'],
    ] as const) {
      expect(shareStep(pending, action, later)).toEqual({ ...pending, status, endedAt: later });
    }
  });

  test('only a pending share moves: every other status is an end, and a step from it is refused', () => {
    const ends = new Set<ShareStatus>(shareTransitions.map((t) => t.to).filter((s) => s !== 'pending'));
    expect([...ends].sort()).toEqual(['claimed', 'closed', 'declined', 'expired', 'revoked']);
    expect(shareTransitions.filter((t) => t.from !== null && t.from !== 'pending')).toEqual([]);
    const claimed = shareStep(pending, 'claim', later);
    expect(() => shareStep(claimed, 'revoke', later)).toThrow('a share that is claimed cannot take revoke');
    expect(() => shareStep(shareStep(pending, 'expire', later), 'claim', later)).toThrow('share lifecycle');
  });
});
