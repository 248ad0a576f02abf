import { exampleShare, GuaranteeOrderProcessed } from '@orderpulse/contracts';

import { recipientKey } from '../src/domain/recipients';
import { noticesFor, type RoutedEvent } from '../src/domain/routing';
import { render } from '../src/domain/templates';

const share = { ...exampleShare, locale: 'en' as const };
const processed = GuaranteeOrderProcessed.schema.parse(GuaranteeOrderProcessed.example);
const who = (event: RoutedEvent) =>
  noticesFor(event).map((n) => `${recipientKey(n.recipient)} ${n.category} ${n.orderId}`);

describe('routing of sharing events: which member is told what', () => {
  test('a share offered goes to its target, on the second order, with the claim deadline and the minutes left', () => {
    const [notice, ...rest] = noticesFor({ type: 'share.offered', data: share });
    expect(rest).toHaveLength(0);
    expect(notice).toMatchObject({
      recipient: { kind: 'member', org: 'org-hz-claims', id: 'member-li' },
      category: 'sharing',
      orderId: share.shareId,
      status: 'pending',
      countdown: { deadline: share.claimDeadline, serverTime: share.serverTime },
    });
    expect(render(notice!.template, 'en', notice!.params)).toEqual({
      title: 'Order GP-2026-000184 shared with you',
      body: 'member-wang shared "Inpatient guarantee, Zhejiang Provincial Hospital" with you. Claim it within 30 min.',
    });
    expect(render(notice!.template, 'zh-CN', notice!.params).body).toBe(
      'member-wang 向您共享了“Inpatient guarantee, Zhejiang Provincial Hospital”，请在30分钟内领取。',
    );
  });

  test('a claim tells the owner with the count against the threshold; an expiry tells both; a revocation tells the target; a decline tells the owner', () => {
    expect(who({ type: 'share.claimed', data: { ...share, shareStatus: 'claimed', shareCount: 2 } })).toEqual([
      `member:org-hz-claims:member-wang sharing ${share.orderId}`,
    ]);
    const [claimed] = noticesFor({ type: 'share.claimed', data: { ...share, shareStatus: 'claimed', shareCount: 2 } });
    expect(render(claimed!.template, 'en', claimed!.params).body).toBe(
      'member-li claimed your shared order; it is now shared with 2 of at most 3.',
    );
    expect(who({ type: 'share.expired', data: { ...share, shareStatus: 'expired' } })).toEqual([
      `member:org-hz-claims:member-wang sharing ${share.orderId}`,
      `member:org-hz-claims:member-li sharing ${share.shareId}`,
    ]);
    expect(who({ type: 'share.revoked', data: { ...share, shareStatus: 'revoked' } })).toEqual([
      `member:org-hz-claims:member-li sharing ${share.shareId}`,
    ]);
    expect(who({ type: 'share.declined', data: { ...share, shareStatus: 'declined' } })).toEqual([
      `member:org-hz-claims:member-wang sharing ${share.orderId}`,
    ]);
  });

  test('a processing result tells the owner on the original and every holder on its own second order, in the organisation’s language', () => {
    const event: RoutedEvent = {
      type: 'guarantee-order.processed',
      data: { ...processed, linked: [...processed.linked, { orderId: 'so_2', memberId: 'member-zhou' }] },
    };
    expect(who(event)).toEqual([
      `member:org-hz-claims:member-wang sharing ${processed.orderId}`,
      'member:org-hz-claims:member-li sharing so_4b1e0c9a7d2f',
      'member:org-hz-claims:member-zhou sharing so_2',
    ]);
    const [owner] = noticesFor(event);
    expect(owner?.locale).toBe('zh-CN');
    expect(render(owner!.template, 'zh-CN', owner!.params)).toEqual({
      title: '订单 GP-2026-000184 已完成',
      body: 'member-li 已登记处理结果：deposit guaranteed, admission confirmed',
    });
  });
});
