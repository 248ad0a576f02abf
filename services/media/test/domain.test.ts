import { exampleSnapshot, type OrderSnapshot } from '@orderpulse/contracts';
import { ConfigError, loadConfig } from '@orderpulse/service-kit';

import { MediaConfig } from '../src/config';
import { defaultPolicy, parsePolicy } from '../src/domain/media-policy';
import {
  absorbSnapshot,
  checkConfirm,
  checkGrant,
  checkReader,
  dueJobId,
  type OrderMedia,
} from '../src/domain/order-media';
import { renderStatusCard } from '../src/domain/status-card';
import { judgeBytes, judgeDecoded, judgeObject, sniffType } from '../src/domain/verification';

const policy = (() => {
  const parsed = parsePolicy(defaultPolicy);
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  return parsed.policy;
})();

const snapshot = (overrides: Partial<OrderSnapshot> = {}): OrderSnapshot => ({
  ...exampleSnapshot,
  orderId: 'ord_1',
  merchantId: 'm-1',
  customerId: 'c-1',
  ...overrides,
});
const at = new Date('2026-11-21T10:00:00.000Z');

function orderAt(status: OrderSnapshot['status'], terminalId?: string): OrderMedia {
  const order = absorbSnapshot(
    undefined,
    snapshot({ status, version: 3, ...(terminalId ? { terminalId } : {}) }),
    at,
    policy,
    600,
  );
  if (!order) throw new Error('no order');
  return order;
}

describe('the media policy', () => {
  test('the default policy asks the merchant and the rider for the seed’s four real-shot statuses and synthesizes the others', () => {
    expect(policy).toEqual({
      new: { kind: 'synthesized' },
      accepted: { kind: 'photo', takenBy: 'merchant' },
      dispatched: { kind: 'synthesized' },
      rider_took: { kind: 'synthesized' },
      rider_at_store: { kind: 'photo', takenBy: 'rider' },
      picked_up: { kind: 'photo', takenBy: 'merchant' },
      delivered: { kind: 'photo', takenBy: 'rider' },
    });
  });

  test('a policy with an unknown status, an unknown kind or a status named twice fails the configuration at start with each problem', () => {
    const parsed = parsePolicy('teleported:synthesized, accepted:video, new:synthesized, new:photo@rider');
    expect(parsed.ok ? [] : parsed.problems).toEqual([
      'teleported:synthesized: teleported is not an order status',
      'accepted:video: video is neither synthesized nor photo@merchant / photo@rider',
      'new:photo@rider: new is named twice',
    ]);
    const env = {
      HTTP_PORT: '0',
      JWT_JWKS: 'jwks.json',
      KAFKA_BROKERS: 'k:9092',
      MONGO_URL: 'mongodb://m',
      MONGO_DB: 'd',
      REDIS_URL: 'redis://r',
      S3_BUCKET: 'bucket',
      MEDIA_POLICY: 'delivered:photo@customer',
    };
    expect(() => loadConfig(MediaConfig, env)).toThrow(ConfigError);
    expect(loadConfig(MediaConfig, { ...env, MEDIA_POLICY: 'delivered:photo@rider' }).MEDIA_POLICY).toEqual({
      delivered: { kind: 'photo', takenBy: 'rider' },
    });
  });
});

describe('order facts and slots from order events', () => {
  test('a photo status gets a slot due after the grace period; a synthesized one is due at once; a repeat changes nothing', () => {
    const accepted = orderAt('accepted');
    expect(accepted.slots.accepted).toMatchObject({
      kind: 'photo',
      takenBy: 'merchant',
      reachedAt: at,
      dueAt: new Date(at.getTime() + 600_000),
    });
    expect(absorbSnapshot(accepted, snapshot({ status: 'accepted', version: 3 }), at, policy, 600)).toBeUndefined();
    const dispatched = absorbSnapshot(accepted, snapshot({ status: 'dispatched', version: 4 }), at, policy, 600);
    expect(dispatched?.slots.dispatched).toMatchObject({ kind: 'synthesized', dueAt: at });
    expect(absorbSnapshot(undefined, snapshot({ status: 'rejected' }), at, policy, 600)?.slots).toEqual({});
  });

  test('an older event does not overwrite newer facts, and the assigned rider is kept when a later snapshot omits it', () => {
    const assigned = absorbSnapshot(
      orderAt('accepted'),
      snapshot({ status: 'accepted', version: 4, terminalId: 'rider-7' }),
      at,
      policy,
      600,
    )!;
    const stale = absorbSnapshot(assigned, snapshot({ status: 'new', version: 2 }), at, policy, 600);
    expect(stale?.facts.orderVersion ?? assigned.facts.orderVersion).toBe(4);
    const later = absorbSnapshot(assigned, snapshot({ status: 'rider_took', version: 5 }), at, policy, 600)!;
    expect(later.facts.terminalId).toBe('rider-7');
  });

  test('job ids are deterministic and valid for any order id', () => {
    expect(dueJobId('ord_1', 'accepted')).toBe('media-due.ord_1.accepted');
    expect(dueJobId('ord/1 ü', 'accepted')).toMatch(/^media-due\.[0-9a-f]+\.accepted$/);
  });
});

describe('who gets a grant, who confirms it, who reads', () => {
  const merchant = { role: 'merchant' as const, subject: 'clerk-1', tenant: 'm-1' };
  const rider = { role: 'rider' as const, subject: 'rider-7' };

  test('only the status’s taker gets a grant, only for a reached photo status, only before the grace period ends', () => {
    const order = orderAt('accepted', 'rider-7');
    expect(checkGrant(order, 'accepted', merchant, at, policy).takenBy).toBe('merchant');
    expect(() => checkGrant(order, 'accepted', { ...merchant, tenant: 'm-2' }, at, policy)).toThrow(/merchant/);
    expect(() => checkGrant(order, 'accepted', rider, at, policy)).toThrow(/merchant/);
    expect(() => checkGrant(order, 'delivered', rider, at, policy)).toThrow(/not reached/);
    expect(() => checkGrant(order, 'new', merchant, at, policy)).toThrow(/no real-shot photo/);
    expect(() => checkGrant(order, 'accepted', merchant, new Date(at.getTime() + 600_001), policy)).toThrow(/ended/);
  });

  test('a grant confirms once, by its holder, before its expiry and grace', () => {
    const order = orderAt('accepted');
    const grant = {
      grantId: 'grt_1',
      issuedTo: { role: 'merchant' as const, subject: 'clerk-1' },
      key: 'k',
      contentType: 'image/jpeg' as const,
      bytes: 10,
      issuedAt: at,
      expiresAt: new Date(at.getTime() + 60_000),
      state: 'issued' as const,
    };
    const granted: OrderMedia = { ...order, slots: { accepted: { ...order.slots.accepted!, grant } } };
    expect(checkConfirm(granted, 'accepted', 'grt_1', merchant, at, 0).grant.grantId).toBe('grt_1');
    expect(() => checkConfirm(granted, 'accepted', 'grt_1', { ...merchant, subject: 'clerk-2' }, at, 0)).toThrow(
      /someone else/,
    );
    expect(() => checkConfirm(granted, 'accepted', 'grt_2', merchant, at, 0)).toThrow(/not found/);
    expect(() => checkConfirm(granted, 'accepted', 'grt_1', merchant, new Date(at.getTime() + 60_001), 0)).toThrow(
      /expired/,
    );
    const used: OrderMedia = {
      ...order,
      slots: { accepted: { ...order.slots.accepted!, grant: { ...grant, state: 'used' } } },
    };
    expect(() => checkConfirm(used, 'accepted', 'grt_1', merchant, at, 0)).toThrow(/already been used/);
  });

  test('the customer, merchant and assigned rider read; another customer or rider does not', () => {
    const order = orderAt('accepted', 'rider-7');
    expect(() => checkReader(order, { role: 'customer', subject: 'c-1' })).not.toThrow();
    expect(() => checkReader(order, merchant)).not.toThrow();
    expect(() => checkReader(order, rider)).not.toThrow();
    expect(() => checkReader(order, { role: 'customer', subject: 'c-2' })).toThrow();
    expect(() => checkReader(order, { role: 'rider', subject: 'rider-8' })).toThrow();
  });
});

describe('verification decisions', () => {
  const limits = { maxBytes: 1_000, minDimension: 320, maxDimension: 4_000 };
  const grant = { contentType: 'image/jpeg' as const, bytes: 500 };

  test('magic bytes name the type whatever the name says', () => {
    expect(sniffType(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0]))).toBe('image/jpeg');
    expect(sniffType(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe('image/png');
    expect(sniffType(Buffer.from('RIFF\0\0\0\0WEBPVP8 '))).toBe('image/webp');
    expect(sniffType(Buffer.from('GIF89a'))).toBe('image/gif');
    expect(sniffType(Buffer.from('\0\0\0\x18ftypheic'))).toBe('image/heic');
    expect(sniffType(Buffer.from('<svg xmlns='))).toBeUndefined();
  });

  test('each refusal names what was wrong', () => {
    expect(judgeObject(undefined, grant, limits)?.code).toBe('missing');
    expect(judgeObject({ bytes: 1_001, contentType: 'image/jpeg' }, { ...grant, bytes: 1_001 }, limits)?.code).toBe(
      'size',
    );
    expect(judgeObject({ bytes: 499, contentType: 'image/jpeg' }, grant, limits)?.code).toBe('size');
    expect(judgeObject({ bytes: 500, contentType: 'text/plain' }, grant, limits)?.code).toBe('type');
    expect(judgeObject({ bytes: 500, contentType: 'image/jpeg' }, grant, limits)).toBeUndefined();
    expect(judgeBytes(Buffer.from('hello'), grant)?.code).toBe('not_an_image');
    expect(judgeBytes(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), grant)?.code).toBe('type');
    expect(judgeDecoded(undefined, limits)?.code).toBe('not_an_image');
    expect(judgeDecoded({ width: 1_000, height: 200 }, limits)?.code).toBe('dimensions');
    expect(judgeDecoded({ width: 5_000, height: 1_000 }, limits)?.code).toBe('dimensions');
    expect(judgeDecoded({ width: 1_600, height: 1_200 }, limits)).toBeUndefined();
  });
});

describe('the status card', () => {
  test('is the same for the same input, escapes merchant text, and marks a fallback', () => {
    const input = {
      orderId: 'ord_abc123',
      status: 'picked_up' as const,
      locale: 'en' as const,
      at,
      storeName: 'A & B "Noodles"',
      timeZone: 'Asia/Shanghai',
      fallback: true,
    };
    const svg = renderStatusCard(input);
    expect(renderStatusCard(input)).toBe(svg);
    expect(svg).toContain('A &amp; B &quot;Noodles&quot;');
    expect(svg).toContain('data-field="order-no">Order #ABC123</text>');
    expect(svg).toContain('data-field="time">Time  Nov 21, 18:00</text>');
    expect(svg).toContain('data-field="fallback">No photo was taken at this step</text>');
    expect(renderStatusCard({ ...input, fallback: false })).not.toContain('data-field="fallback"');
  });
});
