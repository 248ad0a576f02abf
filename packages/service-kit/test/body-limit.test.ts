import { bodyLimitOf, largestJsonBytes, UnboundedSchemaError, UNBOUNDED_STRING_CHARS } from '@orderpulse/service-kit';
import { z } from 'zod';

/** The worst body of each kind: every string at its maximum, all of control characters; every array full. */
const worstString = (n: number) => '\u0001'.repeat(n);

describe('the largest body a schema accepts', () => {
  test('is at least as large as the worst body it accepts, and not much larger', () => {
    const Line = z.strictObject({
      productId: z.string().min(1).max(64),
      name: z.string().min(1).max(120),
      price: z.number().int().nonnegative(),
      available: z.boolean(),
    });
    const Body = z.object({
      name: z.string().max(120),
      kind: z.enum(['a', 'longest']).optional(),
      hours: z.record(z.enum(['0', '1', '2']), z.array(z.string().max(11)).max(6)),
      lines: z.array(Line).max(50),
    });
    const worst = {
      name: worstString(120),
      kind: 'longest',
      hours: {
        0: Array(6).fill(worstString(11)),
        1: Array(6).fill(worstString(11)),
        2: Array(6).fill(worstString(11)),
      },
      lines: Array.from({ length: 50 }, () => ({
        productId: worstString(64),
        name: worstString(120),
        price: -1.7976931348623157e308,
        available: false,
      })),
    };
    const bytes = Buffer.byteLength(JSON.stringify(worst));
    expect(largestJsonBytes(Body)).toBeGreaterThanOrEqual(bytes);
    expect(largestJsonBytes(Body)).toBeLessThan(bytes * 1.05);
  });

  test('takes a string without a maximum at the documented allowance, and an enum or literal at its longest value', () => {
    expect(largestJsonBytes(z.string().regex(/^[a-z]+$/))).toBe(2 + 6 * UNBOUNDED_STRING_CHARS);
    expect(largestJsonBytes(z.enum(['a', 'abc']))).toBe(5);
    expect(largestJsonBytes(z.literal('gorush').default('gorush'))).toBe(8);
  });

  test.each([
    ['an array without a maximum', z.object({ items: z.array(z.string().max(3)) }), 'items[]'],
    ['a record with any keys', z.object({ tags: z.record(z.string(), z.string().max(3)) }), 'tags{}'],
    ['a value of any shape', z.object({ extra: z.unknown() }), 'extra'],
  ])('refuses %s, naming where', (_what, schema, path) => {
    expect(() => largestJsonBytes(schema)).toThrow(UnboundedSchemaError);
    expect(() => largestJsonBytes(schema)).toThrow(path);
  });

  test('a route’s limit leaves room for indentation, and never less than 1 KiB', () => {
    const small = z.object({ reason: z.string().max(10) });
    expect(bodyLimitOf(small)).toBe(largestJsonBytes(small) + 1_024);
    const big = z.object({ names: z.array(z.string().max(100)).max(1_000) });
    expect(bodyLimitOf(big)).toBe(Math.ceil(largestJsonBytes(big) * 1.25));
  });
});
