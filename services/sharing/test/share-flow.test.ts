import { uniqueName } from '@orderpulse/testkit';

import { type OrderView, type Problem, SharingHarness, tokens } from './support/sharing-harness';

const h = new SharingHarness();
const org = uniqueName('org');
const as = (member: string) => tokens.member(org, member);

beforeAll(async () => {
  await h.start({ SHARE_MAX_SHARES: '2', SHARE_TYPE_PRIORITY: 'critical_illness,inpatient,outpatient' });
  await h.readEvents();
  await h.organisation(org, [{ id: 'wang' }, { id: 'li' }, { id: 'zhao' }, { id: 'chen', role: 'manager' }]);
});

afterAll(async () => {
  await h.stop();
});

describe('sharing a guarantee order inside an organisation', () => {
  test('the whole flow: A shares X with B, B is told and claims it, B records a result, both orders carry it and both are told', async () => {
    const x = await h.record(org, 'wang', 'inpatient', { title: 'Inpatient guarantee, ward 7' });
    expect(x).toMatchObject({ kind: 'original', status: 'active', shareCount: 0, maxShares: 2 });

    const shared = await h.share(org, 'wang', x.orderId, 'li');
    expect(shared.status).toBe(201);
    const second = shared.body;
    expect(second).toMatchObject({
      kind: 'shared',
      originalOrderId: x.orderId,
      holderId: 'li',
      status: 'active',
      share: { status: 'pending', targetId: 'li' },
    });
    expect(second.orderId).not.toBe(x.orderId);
    const offered = await h.waitForEvent('share.offered', (d) => d.shareId === second.orderId);
    expect(offered).toMatchObject({
      subject: x.orderId,
      data: {
        orgId: org,
        orderId: x.orderId,
        ownerId: 'wang',
        targetId: 'li',
        shareStatus: 'pending',
        claimDeadline: second.share?.claimDeadline,
      },
    });

    // B finds it among the orders shared with it, and claims it.
    const inbox = await h.call<{ orders: OrderView[] }>('GET', '/v1/guarantee-orders?scope=shared', as('li'));
    expect(inbox.body.orders.map((o) => o.orderId)).toEqual([second.orderId]);
    const claimed = await h.claim(org, 'li', second.orderId);
    expect(claimed.status).toBe(200);
    expect(claimed.body).toMatchObject({ kind: 'shared', shareCount: 1, share: { status: 'claimed' } });
    await h.waitForEvent('share.claimed', (d) => d.shareId === second.orderId && d.shareCount === 1);

    // B records the result on the second order: the status is on both orders.
    const result = await h.call('POST', `/v1/guarantee-orders/${second.orderId}/result`, as('li'), {
      status: 'completed',
      note: 'deposit guaranteed',
    });
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({
      orderId: second.orderId,
      status: 'completed',
      result: { status: 'completed', by: { memberId: 'li', orderId: second.orderId } },
    });
    const original = await h.call('GET', `/v1/guarantee-orders/${x.orderId}`, as('wang'));
    expect(original.body).toMatchObject({
      orderId: x.orderId,
      status: 'completed',
      result: { by: { memberId: 'li' } },
    });
    const processed = await h.waitForEvent('guarantee-order.processed', (d) => d.orderId === x.orderId);
    expect(processed.data).toMatchObject({
      status: 'completed',
      ownerId: 'wang',
      by: { memberId: 'li', orderId: second.orderId },
      linked: [{ orderId: second.orderId, memberId: 'li' }],
    });

    // A result after the first is refused with the state the first left.
    const late = await h.call<Problem>('POST', `/v1/guarantee-orders/${x.orderId}/result`, as('wang'), {
      status: 'rejected',
      note: 'duplicate',
    });
    expect(late.status).toBe(409);
    expect(late.type).toContain('application/problem+json');
    expect(late.body).toMatchObject({
      reason: 'order_settled',
      orderStatus: 'completed',
      current: { status: 'completed', result: { by: { memberId: 'li' } } },
    });
  });

  test('a result the owner records on the original reaches the second order and its holder', async () => {
    const x = await h.record(org, 'wang', 'outpatient');
    const second = (await h.share(org, 'wang', x.orderId, 'zhao')).body;
    expect((await h.claim(org, 'zhao', second.orderId)).status).toBe(200);

    const result = await h.call('POST', `/v1/guarantee-orders/${x.orderId}/result`, as('wang'), {
      status: 'rejected',
      note: 'policy lapsed',
    });
    expect(result.status).toBe(200);
    const seenByB = await h.call('GET', `/v1/guarantee-orders/${second.orderId}`, as('zhao'));
    expect(seenByB.body).toMatchObject({
      kind: 'shared',
      status: 'rejected',
      result: { status: 'rejected', note: 'policy lapsed', by: { memberId: 'wang', orderId: x.orderId } },
    });
    const processed = await h.waitForEvent('guarantee-order.processed', (d) => d.orderId === x.orderId);
    expect(processed.data.linked).toEqual([{ orderId: second.orderId, memberId: 'zhao' }]);
  });

  test('two results at once: exactly one wins, the other gets 409 with the state the winner left', async () => {
    const x = await h.record(org, 'wang', 'inpatient');
    const second = (await h.share(org, 'wang', x.orderId, 'li')).body;
    await h.claim(org, 'li', second.orderId);

    const [a, b] = await Promise.all([
      h.call<OrderView & Problem>('POST', `/v1/guarantee-orders/${x.orderId}/result`, as('wang'), {
        status: 'completed',
      }),
      h.call<OrderView & Problem>('POST', `/v1/guarantee-orders/${second.orderId}/result`, as('li'), {
        status: 'cancelled',
        note: 'patient discharged',
      }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const winner = a.status === 200 ? a.body : b.body;
    const loser = a.status === 409 ? a.body : b.body;
    expect(loser).toMatchObject({ code: 'CONFLICT', reason: 'order_settled', orderStatus: winner.status });
    expect(loser.current?.result?.status).toBe(winner.status);
    await h.waitForEvent('guarantee-order.processed', (d) => d.orderId === x.orderId);
    expect(h.events('guarantee-order.processed').filter((e) => e.data.orderId === x.orderId)).toHaveLength(1);
  });

  test('claiming twice answers the same and counts once; sharing with the same member again returns the same share', async () => {
    const x = await h.record(org, 'wang', 'inpatient');
    const first = await h.share(org, 'wang', x.orderId, 'li');
    const again = await h.share(org, 'wang', x.orderId, 'li');
    expect(again.status).toBe(200);
    expect(again.body.orderId).toBe(first.body.orderId);

    const one = await h.claim(org, 'li', first.body.orderId);
    const two = await h.claim(org, 'li', first.body.orderId);
    expect([one.status, two.status]).toEqual([200, 200]);
    expect(two.body.shareCount).toBe(1);
    const original = await h.call('GET', `/v1/guarantee-orders/${x.orderId}`, as('wang'));
    expect(original.body.shareCount).toBe(1);
    await h.waitForEvent('share.claimed', (d) => d.shareId === first.body.orderId);
    expect(h.events('share.claimed').filter((e) => e.data.shareId === first.body.orderId)).toHaveLength(1);
  });

  test('the owner revokes an unclaimed share and its target is told; a revoked share cannot be claimed, a claimed one cannot be revoked', async () => {
    const x = await h.record(org, 'wang', 'outpatient');
    const toLi = (await h.share(org, 'wang', x.orderId, 'li')).body;
    const revoked = await h.call('POST', `/v1/guarantee-orders/${toLi.orderId}/revoke`, as('wang'));
    expect(revoked.status).toBe(200);
    expect(revoked.body.share?.status).toBe('revoked');
    await h.waitForEvent('share.revoked', (d) => d.shareId === toLi.orderId && d.targetId === 'li');
    const late = await h.claim(org, 'li', toLi.orderId);
    expect(late.status).toBe(409);
    expect(late.body.reason).toBe('share_revoked');

    const toZhao = (await h.share(org, 'wang', x.orderId, 'zhao')).body;
    await h.claim(org, 'zhao', toZhao.orderId);
    const tooLate = await h.call<Problem>('POST', `/v1/guarantee-orders/${toZhao.orderId}/revoke`, as('wang'));
    expect(tooLate.status).toBe(409);
    expect(tooLate.body.reason).toBe('share_claimed');
  });

  test('the target declines a share and the owner is told at once; the declined share cannot be claimed, and the owner may share with that member again', async () => {
    const x = await h.record(org, 'wang', 'inpatient');
    const first = (await h.share(org, 'wang', x.orderId, 'li')).body;
    const declined = await h.call('POST', `/v1/guarantee-orders/${first.orderId}/decline`, as('li'));
    expect(declined.status).toBe(200);
    expect(declined.body.share?.status).toBe('declined');
    await h.waitForEvent('share.declined', (d) => d.shareId === first.orderId && d.ownerId === 'wang');
    const late = await h.claim(org, 'li', first.orderId);
    expect(late.status).toBe(409);
    expect(late.body.reason).toBe('share_declined');
    expect((await h.call('POST', `/v1/guarantee-orders/${first.orderId}/decline`, as('wang'))).status).toBe(403);

    const again = await h.share(org, 'wang', x.orderId, 'li');
    expect(again.status).toBe(201);
    expect(again.body.orderId).not.toBe(first.orderId);
  });

  test('the shareable list holds the other members’ open orders, by type priority, in pages', async () => {
    const listOrg = uniqueName('org');
    await h.organisation(listOrg, [{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
    const at = (minutes: number) => new Date(Date.UTC(2026, 10, 1, 8, minutes)).toISOString();
    const record = async (owner: string, orderType: string, minutes: number) =>
      (
        await h.call('POST', '/v1/guarantee-orders', tokens.member(listOrg, owner), {
          reference: uniqueName('GP'),
          orderType,
          title: orderType,
          effectiveAt: at(minutes),
        })
      ).body.orderId;
    const outpatient = await record('b', 'outpatient', 1);
    const inpatientLate = await record('c', 'inpatient', 9);
    const dental = await record('b', 'dental', 0);
    const critical = await record('c', 'critical_illness', 5);
    const inpatientEarly = await record('b', 'inpatient', 2);
    await record('a', 'critical_illness', 0); // the caller's own: not in its list
    const settled = await record('b', 'critical_illness', 1);
    await h.call('POST', `/v1/guarantee-orders/${settled}/result`, tokens.member(listOrg, 'b'), {
      status: 'completed',
    });

    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=2&cursor=${cursor}` : '?limit=2';
      const page: { status: number; body: { orders: { orderId: string }[]; nextCursor: string | null } } = await h.call(
        'GET',
        `/v1/shareable-orders${query}`,
        tokens.member(listOrg, 'a'),
      );
      expect(page.status).toBe(200);
      pages.push(page.body.orders.map((o) => o.orderId));
      cursor = page.body.nextCursor;
    } while (cursor && pages.length < 10);
    expect(pages.flat()).toEqual([critical, inpatientEarly, inpatientLate, outpatient, dental]);
    expect(pages[0]).toHaveLength(2);
  });

  test('a manager sees a second order it does not hold; a plain member who is neither side does not', async () => {
    const x = await h.record(org, 'wang', 'inpatient');
    const second = (await h.share(org, 'wang', x.orderId, 'li')).body;
    expect((await h.call('GET', `/v1/guarantee-orders/${second.orderId}`, as('chen'))).status).toBe(200);
    expect((await h.call('GET', `/v1/guarantee-orders/${second.orderId}`, as('zhao'))).status).toBe(404);
    const history = await h.call<{ history: { action: string }[] }>(
      'GET',
      `/v1/guarantee-orders/${x.orderId}/history`,
      as('wang'),
    );
    expect(history.body.history.map((l) => l.action)).toEqual(['record', 'share']);
  });
});
