import { asTenant } from '@orderpulse/service-kit';
import { uniqueName, waitFor } from '@orderpulse/testkit';

import { claimExpiryJobId } from '../src/domain/use-cases/ports';
import { expireShare } from '../src/domain/use-cases/share-order.use-case';
import { type Problem, SharingHarness, tokens } from './support/sharing-harness';

const h = new SharingHarness();
const org = uniqueName('org');
const WINDOW = { SHARE_CLAIM_WINDOW_SECONDS: '2' };

beforeAll(async () => {
  await h.start(WINDOW);
  await h.readEvents();
  await h.organisation(org, [{ id: 'wang' }, { id: 'li' }]);
});

afterAll(async () => {
  await h.stop();
});

const pastDeadline = (deadline: string) =>
  waitFor(() => Date.now() > Date.parse(deadline) + 50, { what: 'the claim deadline to pass', timeoutMs: 10_000 });

describe('the claim window', () => {
  test('a share nobody claims is closed by its timer at the deadline and the owner is told; a claim after it gets 409', async () => {
    const x = await h.record(org, 'wang');
    const second = (await h.share(org, 'wang', x.orderId, 'li')).body;
    expect(second.share?.remainingMs).toBeGreaterThan(0);
    expect(Date.parse(second.share?.claimDeadline ?? '') - Date.parse(second.share?.sharedAt ?? '')).toBe(2_000);

    const expired = await h.waitForEvent('share.expired', (d) => d.shareId === second.orderId);
    expect(expired.data).toMatchObject({ ownerId: 'wang', targetId: 'li', shareStatus: 'expired', shareCount: 0 });
    const late = await h.claim(org, 'li', second.orderId);
    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({ code: 'WINDOW_CLOSED', reason: 'share_expired' });
    const seen = await h.call('GET', `/v1/guarantee-orders/${x.orderId}`, tokens.member(org, 'wang'));
    expect(seen.body).toMatchObject({ shareCount: 0, shares: [{ shareId: second.orderId, status: 'expired' }] });
  });

  test('a claim after the deadline whose timer has not run is refused, and the share is closed then and there', async () => {
    const x = await h.record(org, 'wang');
    const second = (await h.share(org, 'wang', x.orderId, 'li')).body;
    expect(await h.service.timers.cancel(claimExpiryJobId(second.orderId))).toBe(true);
    await pastDeadline(second.share?.claimDeadline ?? '');

    const late = await h.claim(org, 'li', second.orderId);
    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({
      code: 'WINDOW_CLOSED',
      reason: 'claim_window_closed',
      current: { share: { status: 'expired' } },
    });
    await h.waitForEvent('share.expired', (d) => d.shareId === second.orderId);
  });

  test('a claim inside the window succeeds, and neither a late expiry nor the reconciler undoes it', async () => {
    const x = await h.record(org, 'wang');
    const second = (await h.share(org, 'wang', x.orderId, 'li')).body;
    const claimed = await h.claim(org, 'li', second.orderId);
    expect(claimed.status).toBe(200);
    await pastDeadline(second.share?.claimDeadline ?? '');
    // What a timer that fires late, or twice, runs.
    const after = await expireShare(h.service.ports, asTenant(org), x.orderId, second.orderId);
    expect(after?.shares.find((s) => s.id === second.orderId)?.status).toBe('claimed');
    expect((await h.service.reconcile()).expired).toBe(0);
    const seen = await h.call('GET', `/v1/guarantee-orders/${second.orderId}`, tokens.member(org, 'li'));
    expect(seen.body.share?.status).toBe('claimed');
    expect(h.events('share.expired').filter((e) => e.data.shareId === second.orderId)).toHaveLength(0);
  });

  test('a timer Redis lost is re-created by the reconciler, and a share overdue while no instance ran is closed at the next start', async () => {
    const x = await h.record(org, 'wang');
    const kept = (await h.share(org, 'wang', x.orderId, 'li')).body;
    await h.service.timers.cancel(claimExpiryJobId(kept.orderId));
    const report = await h.service.reconcile();
    expect(report.rescheduled).toBeGreaterThanOrEqual(1);
    expect(await h.service.timers.has(claimExpiryJobId(kept.orderId))).toBe(true);
    await h.waitForEvent('share.expired', (d) => d.shareId === kept.orderId);

    // Down across the deadline, with Redis having lost the timer too.
    const y = await h.record(org, 'wang');
    const lost = (await h.share(org, 'wang', y.orderId, 'li')).body;
    await h.service.timers.cancel(claimExpiryJobId(lost.orderId));
    await h.stop();
    await pastDeadline(lost.share?.claimDeadline ?? '');
    const restarted = await new SharingHarness(h).start(WINDOW);
    await restarted.readEvents();
    try {
      const expired = await restarted.waitForEvent('share.expired', (d) => d.shareId === lost.orderId);
      expect(expired.data).toMatchObject({ orderId: y.orderId, ownerId: 'wang' });
      const seen = await restarted.call<Problem & { share?: { status: string } }>(
        'GET',
        `/v1/guarantee-orders/${lost.orderId}`,
        tokens.member(org, 'li'),
      );
      expect(seen.body.share?.status).toBe('expired');
    } finally {
      await restarted.stop();
      await h.start(WINDOW);
    }
  });

  test('a due pass looks only at windows that have closed: an open one is left to its timer, a closed one is settled', async () => {
    const x = await h.record(org, 'wang');
    const open = (await h.share(org, 'wang', x.orderId, 'li')).body;
    await h.service.timers.cancel(claimExpiryJobId(open.orderId));
    const before = await h.service.reconcile('due');
    expect(before.rescheduled).toBe(0);
    expect(await h.service.timers.has(claimExpiryJobId(open.orderId))).toBe(false);
    await pastDeadline(open.share?.claimDeadline ?? '');
    const after = await h.service.reconcile('due');
    expect(after.expired).toBeGreaterThanOrEqual(1);
    const seen = await h.call('GET', `/v1/guarantee-orders/${x.orderId}`, tokens.member(org, 'wang'));
    expect(seen.body).toMatchObject({ shares: [{ shareId: open.orderId, status: 'expired' }] });
  });
});
