import { buildTimeline, countdownEntry, formatTimeline, type LoggedPush, pushEntries } from '../src/timeline';

const push = (over: Partial<LoggedPush>): LoggedPush => ({
  idempotencyKey: 'k-1',
  eventType: 'order.placed',
  recipient: 'customer:c-1',
  installationId: 'i-1',
  category: 'order_update',
  status: 'delivered',
  createdAt: '2026-12-01T10:00:00.100Z',
  attempts: [],
  ...over,
});

describe('one order, every source, one story', () => {
  test('a push retried after a 503 shows each try; one muted shows that nothing was sent', () => {
    const entries = pushEntries([
      push({
        attempts: [
          { at: '2026-12-01T10:00:00.200Z', outcome: 'retry', httpStatus: 503, ms: 12 },
          { at: '2026-12-01T10:00:01.200Z', outcome: 'delivered', httpStatus: 200, ms: 9 },
        ],
      }),
      push({ idempotencyKey: 'k-2', recipient: 'merchant:m-1', status: 'muted' }),
    ]);

    expect(entries.map((e) => e.what)).toEqual([
      'push to customer:c-1 try 1: retry (503)',
      'push to customer:c-1 try 2: delivered (200)',
      'push to merchant:m-1 muted',
    ]);
    expect(entries[1]!.detail.final).toBe('delivered');
  });

  test('entries from all sources come oldest first, and the pushes are summed per recipient', () => {
    const timeline = buildTimeline('o-1', {
      status: 'accepted',
      entries: [
        { at: '2026-12-01T10:00:02.000Z', source: 'state', what: 'new → accepted', detail: {} },
        { at: '2026-12-01T10:00:00.000Z', source: 'event', what: 'order.placed', detail: {} },
        { at: '2026-12-01T10:00:01.000Z', source: 'dead-letter', what: 'order.placed set aside', detail: {} },
      ],
      pushes: [push({}), push({ idempotencyKey: 'k-3', status: 'failed' }), push({ idempotencyKey: 'k-4' })],
      unreadable: ['media service: 503'],
    });

    expect(timeline.entries.map((e) => e.source)).toEqual(['event', 'dead-letter', 'state']);
    expect(timeline.pushes).toEqual({ 'customer:c-1': { delivered: 2, failed: 1 } });
    const text = formatTimeline(timeline);
    expect(text).toContain('order o-1 (accepted)');
    expect(text).toContain('pushes to customer:c-1: 2 delivered, 1 failed');
    expect(text).toContain('could not read: media service: 503');
  });

  test('the response countdown is pending before its deadline and overdue after it while unruled; an answered order has none', () => {
    const deadline = '2026-12-01T10:01:00.000Z';
    expect(countdownEntry({ status: 'new', countdown: { deadline } }, new Date('2026-12-01T10:00:30Z'))?.what).toBe(
      'response deadline pending',
    );
    expect(
      countdownEntry({ status: 'connected', countdown: { deadline } }, new Date('2026-12-01T10:01:02Z'))?.what,
    ).toBe('response deadline passed 2000 ms ago with no ruling yet');
    expect(
      countdownEntry({ status: 'accepted', countdown: { deadline } }, new Date('2026-12-01T10:01:02Z')),
    ).toBeUndefined();
  });

  test('an order nobody pushed anything for says so', () => {
    expect(formatTimeline(buildTimeline('o-2', { entries: [], pushes: [], unreadable: [] }))).toContain(
      'no pushes logged for this order',
    );
  });
});
