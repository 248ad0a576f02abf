import { humanText, StorefrontOrderPlaced, xmlSafe } from '@orderpulse/contracts';

describe('human text', () => {
  const name = humanText(120);

  test.each([
    ['a backspace (U+0008)', 'Noodle\bBar'],
    ['a NUL', 'Noodle\u0000Bar'],
    ['an escape (U+001B)', '\u001B[31mred'],
    ['a C1 control (U+0085)', 'a\u0085b'],
    ['DEL', 'a\u007Fb'],
    ['the noncharacter U+FFFE', 'a\uFFFEb'],
    ['a lone high surrogate', 'a\uD800b'],
    ['a lone low surrogate', 'a\uDC00b'],
  ])('refuses %s', (_what, text) => {
    expect(name.safeParse(text).success).toBe(false);
  });

  test.each([
    ['Noodle Bar'],
    ['兰州拉面'],
    ['Café 😀'],
    ['a\tb'],
    ['two\nlines'],
    ['\u200Fright-to-left mark'],
    ['zero\u200Bwidth'],
  ])('takes %j', (text) => {
    expect(name.parse(text)).toBe(text);
  });

  test('trims, and keeps to its length in characters', () => {
    expect(name.parse('  Noodle Bar  ')).toBe('Noodle Bar');
    expect(name.safeParse('   ').success).toBe(false);
    expect(name.safeParse('x'.repeat(121)).success).toBe(false);
  });

  test('xmlSafe drops what XML 1.0 cannot hold and keeps the rest, pairs of surrogates included', () => {
    expect(xmlSafe('Noodle\bBar\u0000\uFFFF\uD800 😀\t\n')).toBe('NoodleBar 😀\t\n');
  });

  test("a storefront's event with a control character in its delivery contact is invalid at the door", () => {
    const example = StorefrontOrderPlaced.example;
    expect(StorefrontOrderPlaced.schema.safeParse(example).success).toBe(true);
    expect(
      StorefrontOrderPlaced.schema.safeParse({ ...example, delivery: { ...example.delivery, contactName: 'Li\bLei' } })
        .success,
    ).toBe(false);
  });
});
