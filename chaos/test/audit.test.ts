import {
  appliedTwice,
  type DeliveryRecord,
  duplicatePushes,
  type EventRecord,
  formatTable,
  type GatewayCall,
  isTransientReason,
  lostEvents,
  type OrderRecord,
  rulingLateness,
  transientDeadLetters,
  unloggedPushes,
  unrecovered,
  unruledDeadlines,
  unsettledWork,
  violationsOf,
} from '../src/audit';

const t0 = Date.parse('2026-12-01T10:00:00.000Z');
const at = (s: number) => new Date(t0 + s * 1000);

function order(orderId: string, statuses: [string, string][], deadlineS = 10): OrderRecord {
  let from: string | null = null;
  const history = statuses.map(([action, to], i) => {
    const h = { at: at(i), action, from, to };
    from = to;
    return h;
  });
  return { orderId, version: history.length, status: from ?? 'new', responseDeadline: at(deadlineS), history };
}
const eventsOf = (o: OrderRecord): EventRecord[] =>
  o.history.map((_, i) => ({
    topic: 'orderpulse.order.events',
    id: `${o.orderId}-e${i + 1}`,
    type: 'order.status-changed',
    subject: o.orderId,
    version: i + 1,
  }));
const call = (key: string, s: number, extra: Partial<GatewayCall> = {}): GatewayCall => ({
  key,
  messageId: `m-${key}`,
  token: 'tok-1',
  at: t0 + s * 1000,
  success: true,
  answered: true,
  ...extra,
});
const delivery = (key: string, extra: Partial<DeliveryRecord> = {}): DeliveryRecord => ({
  key,
  eventId: 'e1',
  recipient: 'customer:c-1',
  status: 'delivered',
  attempts: 1,
  ...extra,
});
const none = {
  acknowledged: [],
  orders: [],
  orderEvents: [],
  expectedNotices: [],
  deliveries: [],
  gateway: [],
  cases: [],
  partnerCalls: [],
};

describe('events lost', () => {
  const accepted = order('o-1', [
    ['place', 'new'],
    ['accept', 'accepted'],
  ]);

  test('a consistent record of orders, events, deliveries and cases has nothing lost', () => {
    expect(
      lostEvents({
        ...none,
        acknowledged: [
          { what: 'order', id: 'o-1', via: 'http' },
          { what: 'audit-failure', id: 'n-1', via: 'webhook' },
          { what: 'audit-fix', id: 'ac-1', via: 'http' },
        ],
        orders: [accepted],
        orderEvents: eventsOf(accepted),
        expectedNotices: [{ eventId: 'e1', eventType: 'order.placed', recipient: 'customer:c-1' }],
        deliveries: [delivery('k1')],
        gateway: [call('k1', 1)],
        cases: [{ caseId: 'ac-1', orderNo: 'SO-1', status: 'closed', notificationIds: ['n-1'] }],
        partnerCalls: [{ partner: 'user-system', key: 'ev-1', caseId: 'ac-1', success: true, answered: true }],
      }),
    ).toEqual([]);
  });

  test('an acknowledged placement that was never stored is lost', () => {
    expect(lostEvents({ ...none, acknowledged: [{ what: 'order', id: 'o-9', via: 'kafka' }] })).toEqual([
      { kind: 'lost', detail: expect.stringContaining('order o-9 placed (kafka)') },
    ]);
  });

  test('an order version with no event on the order topic is lost', () => {
    const lost = lostEvents({ ...none, orders: [accepted], orderEvents: eventsOf(accepted).slice(0, 1) });
    expect(lost.map((v) => v.detail)).toEqual([expect.stringContaining('order o-1 version 2 (accepted) has no event')]);
  });

  test('a notice with no delivery record means the consumer dropped the event', () => {
    const lost = lostEvents({
      ...none,
      expectedNotices: [{ eventId: 'e7', eventType: 'order.assigned', recipient: 'rider:r-1' }],
    });
    expect(lost.map((v) => v.detail)).toEqual([expect.stringContaining('no delivery record')]);
  });

  test('a delivery that never got a success answer from the gateway is a lost push, a muted one is not', () => {
    const lost = lostEvents({
      ...none,
      expectedNotices: [{ eventId: 'e1', eventType: 'order.placed', recipient: 'customer:c-1' }],
      deliveries: [
        delivery('k-pending', { status: 'pending', attempts: 0 }),
        delivery('k-failed', { status: 'failed', attempts: 6 }),
        delivery('k-muted', { status: 'muted', attempts: 0 }),
      ],
      gateway: [call('k-failed', 1, { success: false })],
    });
    expect(lost.map((v) => v.detail)).toEqual([
      expect.stringContaining('push k-pending (order.placed'),
      expect.stringContaining('push k-failed (order.placed'),
    ]);
  });

  test('a push expired with its countdown is not lost when its try came after the deadline, and is when it came before', () => {
    const deadline = new Date('2026-12-01T10:00:10Z');
    const lost = lostEvents({
      ...none,
      expectedNotices: [{ eventId: 'e1', eventType: 'order.placed', recipient: 'customer:c-1' }],
      deliveries: [
        delivery('k-late', { status: 'expired', deadline, lastTriedAt: new Date('2026-12-01T10:00:12Z') }),
        delivery('k-early', { status: 'expired', deadline, lastTriedAt: new Date('2026-12-01T10:00:05Z') }),
        delivery('k-untimed', { status: 'expired' }),
      ],
    });
    expect(lost.map((v) => v.detail)).toEqual([
      expect.stringContaining('push k-early'),
      expect.stringContaining('push k-untimed'),
    ]);
  });

  test('an acknowledged audit failure with no case, and a fix the user system never heard of, are lost', () => {
    const lost = lostEvents({
      ...none,
      acknowledged: [
        { what: 'audit-failure', id: 'n-2', via: 'kafka' },
        { what: 'audit-fix', id: 'ac-2', via: 'http' },
      ],
      cases: [{ caseId: 'ac-2', orderNo: 'SO-2', status: 'resubmitting', notificationIds: ['n-other'] }],
      partnerCalls: [{ partner: 'user-system', key: 'ev-2', caseId: 'ac-2', success: false, answered: true }],
    });
    expect(lost.map((v) => v.detail)).toEqual([
      expect.stringContaining('audit failure n-2'),
      expect.stringContaining('case ac-2 fixed but the user system was never told it passed (case resubmitting)'),
    ]);
  });
});

describe('effects applied twice', () => {
  test('an action that happens once, recorded twice, is applied twice', () => {
    const o = order('o-2', [
      ['place', 'new'],
      ['accept', 'accepted'],
      ['take', 'rider_took'],
      ['take', 'rider_took'],
    ]);
    expect(appliedTwice({ orders: [o], orderEvents: eventsOf(o), partnerCalls: [] }).map((v) => v.detail)).toEqual([
      'order o-2: take recorded 2 times',
    ]);
  });

  test('a repeated stocking report is not applied twice: the latest report stands', () => {
    const o = order('o-7', [
      ['place', 'new'],
      ['accept', 'accepted'],
      ['report_stocking', 'accepted'],
      ['report_stocking', 'accepted'],
    ]);
    expect(appliedTwice({ orders: [o], orderEvents: eventsOf(o), partnerCalls: [] })).toEqual([]);
  });

  test('a redelivered event (same id) is normal; one version under two event ids is not', () => {
    const o = order('o-3', [['place', 'new']]);
    const [e] = eventsOf(o);
    expect(appliedTwice({ orders: [o], orderEvents: [e!, e!], partnerCalls: [] })).toEqual([]);
    expect(
      appliedTwice({ orders: [o], orderEvents: [e!, { ...e!, id: 'other' }], partnerCalls: [] }).map((v) => v.detail),
    ).toEqual(['order o-3 v1 published as 2 different events']);
  });

  test('the user system told of one case under two keys is told twice; a repeat with the same key is not', () => {
    const told = (key: string) => ({
      partner: 'user-system' as const,
      key,
      caseId: 'ac-3',
      success: true,
      answered: true,
    });
    expect(appliedTwice({ orders: [], orderEvents: [], partnerCalls: [told('a'), told('a')] })).toEqual([]);
    expect(
      appliedTwice({ orders: [], orderEvents: [], partnerCalls: [told('a'), told('b')] }).map((v) => v.kind),
    ).toEqual(['twice']);
  });
});

describe('pushes that reached one device twice', () => {
  test('the same key twice, both answered with success, is a duplicate', () => {
    expect(duplicatePushes([call('k', 0), call('k', 45)], [])).toEqual([
      { kind: 'duplicate-push', detail: expect.stringContaining('push k reached the device 2 times') },
    ]);
  });

  test('a repeat after an answer that never arrived (timeout, 503) is at-least-once', () => {
    expect(duplicatePushes([call('k', 0, { answered: false }), call('k', 8)], [])).toEqual([]);
    expect(duplicatePushes([call('k', 0, { success: false }), call('k', 4)], [])).toEqual([]);
  });

  test('a repeat after the sender was killed right after its answer is at-least-once; a kill long after is no excuse', () => {
    expect(duplicatePushes([call('k', 0), call('k', 30)], [t0 + 500])).toEqual([]);
    expect(duplicatePushes([call('k', 0), call('k', 30)], [t0 - 200])).toEqual([]);
    expect(duplicatePushes([call('k', 0), call('k', 30)], [t0 + 20_000])).toHaveLength(1);
  });

  test('two keys for one message and device is a duplicate even with the answers lost', () => {
    const calls = [call('k1', 0, { messageId: 'm', token: 't' }), call('k2', 1, { messageId: 'm', token: 't' })];
    expect(duplicatePushes(calls, [])).toEqual([
      { kind: 'duplicate-push', detail: 'message m reached device t under 2 keys' },
    ]);
    expect(duplicatePushes([calls[0]!, { ...calls[1]!, token: 'other-device' }], [])).toEqual([]);
  });

  test('gateway requests beyond the attempts in the push log are unlogged', () => {
    expect(
      unloggedPushes([call('k', 0), call('k', 45)], [delivery('k', { attempts: 1 })]).map((v) => v.detail),
    ).toEqual(['push k: the gateway got 2 requests, the push log shows 1 attempts']);
    expect(unloggedPushes([call('k', 0, { success: false }), call('k', 5)], [delivery('k', { attempts: 2 })])).toEqual(
      [],
    );
  });
});

describe('deadlines', () => {
  test('an order still awaiting the merchant past its deadline and the grace is unruled', () => {
    const waiting = order('o-4', [['place', 'new']], 10);
    const ruled = order(
      'o-5',
      [
        ['place', 'new'],
        ['connect', 'connected'],
        ['adjudicate', 'not_answered'],
      ],
      1,
    );
    expect(unruledDeadlines([waiting, ruled], t0 + 12_000, 5_000)).toEqual([]);
    expect(unruledDeadlines([waiting, ruled], t0 + 16_000, 5_000).map((v) => v.detail)).toEqual([
      'order o-4 still new 6 s after its deadline',
    ]);
  });

  test('ruling lateness is measured from the deadline, per phase', () => {
    const late = order(
      'o-6',
      [
        ['place', 'new'],
        ['adjudicate', 'not_connected'],
      ],
      0.25,
    );
    const lateness = rulingLateness([late]);
    expect(lateness).toEqual([{ phase: 'new → not_connected', count: 1, p50Ms: 750, p95Ms: 750, maxMs: 750 }]);
  });
});

describe('dead letters and recovery', () => {
  test('an outage reason is transient; a schema failure is not', () => {
    expect(isTransientReason('MongoServerSelectionError: connect ECONNREFUSED 127.0.0.1:33017')).toBe(true);
    expect(isTransientReason('no delivery terminal registered yet for region downtown')).toBe(true);
    expect(isTransientReason('invalid data: lines: expected array, received undefined')).toBe(false);
    expect(
      transientDeadLetters([
        { topic: 'a.dlq', reason: 'connect ECONNREFUSED' },
        { topic: 'b.dlq', reason: 'not a CloudEvent' },
      ]),
    ).toHaveLength(1);
  });

  test('a fault the probe never recovered from is a violation, and the table names it', () => {
    const faults = [
      { name: 'mongo stopped', category: 'mongo', startedAt: t0, healedAt: t0 + 60_000 },
      { name: 'redis emptied', category: 'redis', startedAt: t0, healedAt: t0, recoveredAt: t0 + 2_500 },
    ];
    expect(unrecovered(faults).map((v) => v.detail)).toEqual([
      'mongo stopped: the system did not answer the recovery probe',
    ]);
    const table = formatTable({
      faults,
      lost: [],
      twice: [],
      duplicatePushes: [],
      unloggedPushes: [],
      unruled: [],
      lateness: [],
      deadLetters: [],
      transientDlq: [],
      unrecovered: unrecovered(faults),
      unsettled: [],
      counts: { orders: 3 },
    });
    expect(table).toContain('| faults injected | 2 (mongo, redis) |');
    expect(table).toContain('| mongo stopped | 60.0 s | never |');
    expect(table).toContain('| redis emptied | 0.0 s | 2.5 s |');
  });

  test('work left when the settle time ran out is a violation of its own, named in the table', () => {
    const left = unsettledWork({ 'outbox pending': 0, 'consumer lag': 412, 'pushes pending': 3 });
    expect(left.map((v) => v.detail)).toEqual([
      'consumer lag: 412 when the settle time ran out',
      'pushes pending: 3 when the settle time ran out',
    ]);
    const summary = {
      faults: [],
      lost: [],
      twice: [],
      duplicatePushes: [],
      unloggedPushes: [],
      unruled: [],
      lateness: [],
      deadLetters: [],
      transientDlq: [],
      unrecovered: [],
      unsettled: left,
      counts: {},
    };
    expect(violationsOf(summary).map((v) => v.kind)).toEqual(['unsettled', 'unsettled']);
    expect(formatTable(summary)).toContain(
      '| work left when the settle time ran out | consumer lag: 412 when the settle time ran out; pushes pending: 3 when the settle time ran out |',
    );
    expect(violationsOf({ ...summary, unsettled: unsettledWork({ 'outbox pending': 0, 'consumer lag': 0 }) })).toEqual(
      [],
    );
  });
});
