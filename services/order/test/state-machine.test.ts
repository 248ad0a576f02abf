import { chooseTerminal } from '../src/domain/delivery-assignment';
import { allowedActions, decide } from '../src/domain/order-state-machine';
import { checkPlacement, isOpen, type Store } from '../src/domain/placement';

const now = new Date('2026-11-21T10:00:00Z');
const later = new Date('2026-11-21T10:03:00Z');
const earlier = new Date('2026-11-21T09:57:00Z');

describe('the order state machine', () => {
  test('inside the window the merchant may answer; the system may not adjudicate yet', () => {
    expect(allowedActions('new', 'merchant', now, later)).toEqual([
      'connect',
      'accept',
      'reject',
      'return',
      'dispatch',
    ]);
    expect(decide({ status: 'connected', action: 'adjudicate', role: 'system', now, deadline: later })).toMatchObject({
      ok: false,
      code: 'ILLEGAL_TRANSITION',
    });
  });

  test('after the deadline the merchant is told the window closed, and adjudication settles by status', () => {
    expect(decide({ status: 'connected', action: 'accept', role: 'merchant', now, deadline: earlier })).toMatchObject({
      ok: false,
      code: 'WINDOW_CLOSED',
    });
    // Once the timer has ruled, an answer is still late, not illegal.
    for (const status of ['not_connected', 'not_answered'] as const) {
      for (const action of ['connect', 'accept', 'reject', 'return', 'dispatch'] as const) {
        expect(decide({ status, action, role: 'merchant', now, deadline: earlier, reason: 'late' })).toMatchObject({
          ok: false,
          code: 'WINDOW_CLOSED',
        });
      }
    }
    expect(decide({ status: 'not_answered', action: 'take', role: 'rider', now, deadline: earlier })).toMatchObject({
      ok: false,
      code: 'ILLEGAL_TRANSITION',
    });
    expect(decide({ status: 'new', action: 'adjudicate', role: 'system', now, deadline: earlier })).toEqual({
      ok: true,
      to: 'not_connected',
    });
    expect(decide({ status: 'connected', action: 'adjudicate', role: 'system', now, deadline: earlier })).toEqual({
      ok: true,
      to: 'not_answered',
    });
  });

  test('roles are enforced and a rejection needs a reason', () => {
    expect(decide({ status: 'new', action: 'accept', role: 'customer', now, deadline: later })).toMatchObject({
      ok: false,
      code: 'FORBIDDEN',
    });
    expect(
      decide({ status: 'new', action: 'reject', role: 'merchant', now, deadline: later, reason: ' ' }),
    ).toMatchObject({ ok: false, code: 'INVALID_INPUT' });
    expect(decide({ status: 'accepted', action: 'dispatch', role: 'merchant', now, deadline: earlier })).toEqual({
      ok: true,
      to: 'dispatched',
    });
  });
});

describe('placement checks', () => {
  const store: Store = {
    storeId: 's-1',
    merchantId: 'm-1',
    name: 'Noodle House',
    active: true,
    paused: false,
    timeZone: 'Asia/Shanghai',
    hours: { '6': ['10:00-14:00', '22:00-02:00'], '0': [] },
    products: [{ productId: 'p-1', name: 'Noodles', price: 1800, available: true }],
  };

  test('opening hours are read in the store’s time zone, spans past midnight included', () => {
    // 2026-11-21 is a Saturday (6); Shanghai is UTC+8.
    expect(isOpen(store, new Date('2026-11-21T03:00:00Z'))).toBe(true); // 11:00 Saturday
    expect(isOpen(store, new Date('2026-11-21T07:00:00Z'))).toBe(false); // 15:00
    expect(isOpen(store, new Date('2026-11-21T17:30:00Z'))).toBe(true); // 01:30 Sunday, from Saturday's late span
    expect(isOpen({ ...store, paused: true }, new Date('2026-11-21T03:00:00Z'))).toBe(false);
  });

  test('the first failing check is named; the total is computed from the store’s prices, and each line keeps the product’s name', () => {
    const order = {
      merchantId: 'm-1',
      storeId: 's-1',
      customerId: 'c',
      currency: 'CNY',
      locale: 'en' as const,
      delivery: { line: 'x', region: 'r', contactName: 'n', contactPhone: '123' },
      lines: [{ productId: 'p-1', quantity: 3, unitPrice: 1800 }],
    };
    const open = new Date('2026-11-21T03:00:00Z');
    expect(checkPlacement(order, store, open)).toEqual({
      ok: true,
      total: 5400,
      lines: [{ productId: 'p-1', name: 'Noodles', quantity: 3, unitPrice: 1800 }],
    });
    expect(checkPlacement({ ...order, merchantId: 'm-2' }, store, open)).toMatchObject({
      ok: false,
      check: 'merchant_identity',
    });
    expect(checkPlacement(order, store, new Date('2026-11-21T07:00:00Z'))).toMatchObject({
      ok: false,
      check: 'store_open',
    });
  });
});

describe('delivery assignment', () => {
  const terminals = [
    { terminalId: 'a', regions: ['pudong'], active: true, load: 3 },
    { terminalId: 'b', regions: ['pudong'], active: true, load: 1 },
    { terminalId: 'c', regions: ['puxi'], active: true, load: 0 },
  ];
  test('region first, least loaded within it; then least loaded anywhere; decliners passed over', () => {
    expect(chooseTerminal('pudong', terminals, [])).toEqual({ terminalId: 'b', strategy: 'region' });
    expect(chooseTerminal('pudong', terminals, ['b'])).toEqual({ terminalId: 'a', strategy: 'region' });
    expect(chooseTerminal('pudong', terminals, ['a', 'b'])).toEqual({ terminalId: 'c', strategy: 'least_loaded' });
    expect(chooseTerminal('pudong', [], [])).toBeUndefined();
  });
});
