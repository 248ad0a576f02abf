import { uniqueName } from '@orderpulse/testkit';

import { SharingHarness, tokens } from './support/sharing-harness';

const first = new SharingHarness();
const second = new SharingHarness(first);
const org = uniqueName('org');
const THRESHOLD = 3;
const targets = Array.from({ length: 12 }, (_, i) => `member-${i}`);

beforeAll(async () => {
  await first.start({ SHARE_MAX_SHARES: String(THRESHOLD) });
  await second.start({ SHARE_MAX_SHARES: String(THRESHOLD) });
  await first.readEvents();
  await first.organisation(org, [{ id: 'owner' }, ...targets.map((id) => ({ id }))]);
});

afterAll(async () => {
  await second.stop();
  await first.stop();
});

describe('claims racing at the maximum share threshold', () => {
  test('twelve members claim at once on two instances: exactly the threshold succeed, the rest get 409 with the reason, and the count never passes it', async () => {
    const x = await first.record(org, 'owner');
    const shares: string[] = [];
    for (const target of targets) shares.push((await first.share(org, 'owner', x.orderId, target)).body.orderId);

    const replies = await Promise.all(
      targets.map((target, i) => (i % 2 === 0 ? first : second).claim(org, target, shares[i]!)),
    );
    const won = replies.filter((r) => r.status === 200);
    const refused = replies.filter((r) => r.status !== 200);
    expect(won).toHaveLength(THRESHOLD);
    expect(
      refused.every(
        (r) =>
          r.status === 409 && r.body.reason === 'max_shares_reached' && r.type.includes('application/problem+json'),
      ),
    ).toBe(true);
    expect(Math.max(...won.map((r) => r.body.shareCount))).toBe(THRESHOLD);

    const original = await first.call('GET', `/v1/guarantee-orders/${x.orderId}`, tokens.member(org, 'owner'));
    expect(original.body.shareCount).toBe(THRESHOLD);
    expect(original.body.shares?.filter((s) => s.status === 'claimed')).toHaveLength(THRESHOLD);
    await first.waitForEvent('share.claimed', (d) => d.orderId === x.orderId && d.shareCount === THRESHOLD);
    const claimedEvents = first.events('share.claimed').filter((e) => e.data.orderId === x.orderId);
    expect(claimedEvents).toHaveLength(THRESHOLD);
    expect(claimedEvents.every((e) => (e.data.shareCount as number) <= THRESHOLD)).toBe(true);

    // Once the threshold is reached, sharing further is refused up front.
    const more = await first.call('PUT', `/v1/organisations/${org}/members/late-comer`, tokens.admin(), {
      name: 'Late comer',
    });
    expect(more.status).toBe(201);
    const refusedShare = await first.share(org, 'owner', x.orderId, 'late-comer');
    expect(refusedShare.status).toBe(409);
    expect(refusedShare.body.reason).toBe('max_shares_reached');
  });

  test('the same member claiming its share many times at once counts once', async () => {
    const x = await first.record(org, 'owner');
    const share = (await first.share(org, 'owner', x.orderId, 'member-0')).body.orderId;
    const replies = await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 ? first : second).claim(org, 'member-0', share)),
    );
    expect(replies.map((r) => r.status)).toEqual(Array(8).fill(200));
    const original = await second.call('GET', `/v1/guarantee-orders/${x.orderId}`, tokens.member(org, 'owner'));
    expect(original.body.shareCount).toBe(1);
  });
});
