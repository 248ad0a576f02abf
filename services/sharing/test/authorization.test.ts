import { uniqueName } from '@orderpulse/testkit';

import { type OrderView, type Problem, SharingHarness, tokens } from './support/sharing-harness';

const h = new SharingHarness();
const mine = uniqueName('org');
const theirs = uniqueName('org');
let x: OrderView;
let second: OrderView;

beforeAll(async () => {
  await h.start();
  await h.readEvents();
  await h.organisation(mine, [{ id: 'wang' }, { id: 'li' }, { id: 'zhao' }, { id: 'gone' }]);
  await h.organisation(theirs, [{ id: 'outsider' }, { id: 'li-elsewhere' }]);
  x = await h.record(mine, 'wang');
  second = (await h.share(mine, 'wang', x.orderId, 'li')).body;
  await h.call('PUT', `/v1/organisations/${mine}/members/gone`, tokens.admin(), {
    name: 'Left the team',
    active: false,
  });
});

afterAll(async () => {
  await h.stop();
});

const outsider = () => tokens.member(theirs, 'outsider');

describe('who may see and touch what', () => {
  test('an original’s history shows who it was shared with, and who claimed or declined, only to whom its view shows the shares', async () => {
    const org = uniqueName('org');
    await h.organisation(org, [
      { id: 'wang' },
      { id: 'li' },
      { id: 'zhou' },
      { id: 'zhao' },
      { id: 'chen', role: 'manager' },
    ]);
    const order = await h.record(org, 'wang');
    const toLi = (await h.share(org, 'wang', order.orderId, 'li')).body;
    const toZhou = (await h.share(org, 'wang', order.orderId, 'zhou')).body;
    expect((await h.claim(org, 'li', toLi.orderId)).status).toBe(200);
    expect(
      (await h.call('POST', `/v1/guarantee-orders/${toZhou.orderId}/decline`, tokens.member(org, 'zhou'), {})).status,
    ).toBe(200);
    const history = async (memberId: string, id = order.orderId) =>
      (
        await h.call<{ history: { action: string; by: string; shareId?: string }[] }>(
          'GET',
          `/v1/guarantee-orders/${id}/history`,
          tokens.member(org, memberId),
        )
      ).body.history;

    // A plain member sees the original (the shareable list shows it) but not its shares, in its view or its history.
    const view = await h.call<Record<string, unknown>>(
      'GET',
      `/v1/guarantee-orders/${order.orderId}`,
      tokens.member(org, 'zhao'),
    );
    expect(view.body.shares).toBeUndefined();
    const seen = await history('zhao');
    expect(seen.map((l) => l.action)).toEqual(['record']);
    expect(JSON.stringify(seen)).not.toMatch(/li|zhou/);
    // The owner and a manager read all of it.
    for (const reader of ['wang', 'chen'])
      expect((await history(reader)).map((l) => l.action)).toEqual(['record', 'share', 'share', 'claim', 'decline']);
    // Li, holding her second order, reads her own share's lines, not Zhou's decline.
    expect((await history('li', toLi.orderId)).every((l) => !l.shareId || l.shareId === toLi.orderId)).toBe(true);
    expect(JSON.stringify(await history('li', toLi.orderId))).not.toContain('zhou');
  });

  test('a member of another organisation sees none of its orders: not in its list, not by id, not by second-order id', async () => {
    const list = await h.call<{ orders: unknown[] }>('GET', '/v1/shareable-orders', outsider());
    expect(list.status).toBe(200);
    expect(list.body.orders).toEqual([]);
    for (const id of [x.orderId, second.orderId]) {
      const res = await h.call<Problem>('GET', `/v1/guarantee-orders/${id}`, outsider());
      expect(res.status).toBe(404);
      expect(res.type).toContain('application/problem+json');
    }
    expect((await h.call('GET', `/v1/organisations/${mine}/members`, outsider())).status).toBe(404);
  });

  test('a member of another organisation can neither share, claim, revoke nor record a result on them, and nothing changes', async () => {
    const attempts = [
      h.call('POST', `/v1/guarantee-orders/${x.orderId}/shares`, outsider(), { targetId: 'li-elsewhere' }),
      h.call('POST', `/v1/guarantee-orders/${second.orderId}/claim`, outsider()),
      h.call('POST', `/v1/guarantee-orders/${second.orderId}/revoke`, outsider()),
      h.call('POST', `/v1/guarantee-orders/${x.orderId}/result`, outsider(), { status: 'completed' }),
      // Its token naming the other organisation changes nothing: it is not a member there.
      h.call('POST', `/v1/guarantee-orders/${second.orderId}/claim`, tokens.member(mine, 'outsider')),
    ];
    const replies = await Promise.all(attempts);
    expect(replies.map((r) => r.status)).toEqual([404, 404, 404, 404, 403]);
    const seen = await h.call('GET', `/v1/guarantee-orders/${x.orderId}`, tokens.member(mine, 'wang'));
    expect(seen.body).toMatchObject({ status: 'active', version: x.version + 1, shareCount: 0 });
    expect(seen.body.shares?.map((s) => s.status)).toEqual(['pending']);
  });

  test('only the owner shares, and only with a member of its own organisation', async () => {
    const byColleague = await h.call<Problem>(
      'POST',
      `/v1/guarantee-orders/${x.orderId}/shares`,
      tokens.member(mine, 'zhao'),
      { targetId: 'li' },
    );
    expect(byColleague.status).toBe(403);
    expect(byColleague.body.reason).toBe('not_owner');
    // A colleague sees the order itself (it is in its shareable list), but not whom it is shared with.
    expect(byColleague.body.current).not.toHaveProperty('shares');
    const seen = await h.call('GET', `/v1/guarantee-orders/${x.orderId}`, tokens.member(mine, 'zhao'));
    expect(seen.status).toBe(200);
    expect(seen.body).not.toHaveProperty('shares');
    const toOutsider = await h.share(mine, 'wang', x.orderId, 'outsider');
    expect(toOutsider.status).toBe(404);
    expect(toOutsider.body.reason).toBe('target_not_member');
    const toSelf = await h.share(mine, 'wang', x.orderId, 'wang');
    expect(toSelf.status).toBe(400);
    expect(toSelf.body.reason).toBe('self_share');
  });

  test('only the target claims: the owner is refused, a colleague cannot even see the second order', async () => {
    const byOwner = await h.claim(mine, 'wang', second.orderId);
    expect(byOwner.status).toBe(403);
    expect(byOwner.body.reason).toBe('not_target');
    expect((await h.claim(mine, 'zhao', second.orderId)).status).toBe(404);
    const byTargetBeforeClaim = await h.call<Problem>(
      'POST',
      `/v1/guarantee-orders/${second.orderId}/result`,
      tokens.member(mine, 'li'),
      { status: 'completed' },
    );
    expect(byTargetBeforeClaim.status).toBe(409);
    expect(byTargetBeforeClaim.body.reason).toBe('share_not_claimed');
    const byColleague = await h.call<Problem>(
      'POST',
      `/v1/guarantee-orders/${x.orderId}/result`,
      tokens.member(mine, 'zhao'),
      { status: 'completed' },
    );
    expect(byColleague.status).toBe(403);
  });

  test('a member an admin deactivated, a token without organisation, other roles and no token are all refused', async () => {
    expect((await h.call('GET', '/v1/shareable-orders', tokens.member(mine, 'gone'))).status).toBe(403);
    expect((await h.call('GET', '/v1/shareable-orders', tokens.memberWithoutOrg('wang'))).status).toBe(403);
    expect((await h.call('GET', '/v1/shareable-orders', tokens.customer())).status).toBe(403);
    expect((await h.call('GET', '/v1/shareable-orders', undefined)).status).toBe(401);
    expect((await h.call('GET', `/v1/guarantee-orders/${x.orderId}`, tokens.admin())).status).toBe(403);
  });

  test('only admins set up organisations and members; members read their own organisation', async () => {
    expect(
      (await h.call('PUT', `/v1/organisations/${mine}`, tokens.member(mine, 'wang'), { name: 'Taken over' })).status,
    ).toBe(403);
    expect(
      (
        await h.call('PUT', `/v1/organisations/${mine}/members/intruder`, tokens.member(mine, 'wang'), {
          name: 'Intruder',
        })
      ).status,
    ).toBe(403);
    const members = await h.call<{ members: { memberId: string }[] }>(
      'GET',
      `/v1/organisations/${mine}/members`,
      tokens.member(mine, 'li'),
    );
    expect(members.status).toBe(200);
    expect(members.body.members.map((m) => m.memberId)).toEqual(['gone', 'li', 'wang', 'zhao']);
  });

  test('a member records orders only for itself; admins and services record for any active member', async () => {
    const forOther = await h.call('POST', '/v1/guarantee-orders', tokens.member(mine, 'zhao'), {
      ownerId: 'wang',
      reference: uniqueName('GP'),
      orderType: 'inpatient',
      title: 'x',
    });
    expect(forOther.status).toBe(403);
    const byService = await h.call('POST', '/v1/guarantee-orders', tokens.service(), {
      orgId: mine,
      ownerId: 'zhao',
      reference: uniqueName('GP'),
      orderType: 'surgery',
      title: 'Knee surgery guarantee',
    });
    expect(byService.status).toBe(201);
    expect(byService.body.ownerId).toBe('zhao');
    const forNonMember = await h.call<Problem>('POST', '/v1/guarantee-orders', tokens.admin(), {
      orgId: mine,
      ownerId: 'outsider',
      reference: uniqueName('GP'),
      orderType: 'surgery',
      title: 'x',
    });
    expect(forNonMember.status).toBe(422);
    expect(forNonMember.body.reason).toBe('owner_not_member');
  });

  test('recording the same reference again answers with the same order; for another member it is refused', async () => {
    const reference = uniqueName('GP');
    const body = { reference, orderType: 'inpatient', title: 'Ward 3' };
    const one = await h.call('POST', '/v1/guarantee-orders', tokens.member(mine, 'wang'), body);
    const two = await h.call('POST', '/v1/guarantee-orders', tokens.member(mine, 'wang'), body);
    expect([one.status, two.status]).toEqual([201, 200]);
    expect(two.body.orderId).toBe(one.body.orderId);
    const other = await h.call<Problem>('POST', '/v1/guarantee-orders', tokens.member(mine, 'zhao'), body);
    expect(other.status).toBe(409);
    expect(other.body.reason).toBe('reference_taken');
    // The same reference in another organisation is another order.
    const elsewhere = await h.call('POST', '/v1/guarantee-orders', outsider(), body);
    expect(elsewhere.status).toBe(201);
    expect(elsewhere.body.orderId).not.toBe(one.body.orderId);
  });
});
