import { z } from 'zod';

/**
 * Characters no person types into a name, title or message, and that break what the text ends
 * up in: C0 controls other than tab, line feed and carriage return, DEL and the C1 controls,
 * the noncharacters U+FFFE and U+FFFF, and lone surrogates. The C0 controls, U+FFFE/U+FFFF and
 * lone surrogates are not XML 1.0 characters (XML 1.0 §2.2 `Char`), so one of them makes an
 * SVG image or an HTML/XML document unparseable; push platforms refuse lone surrogates.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const UNPRINTABLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF]|\p{Cs}/u;

/** What XML 1.0 cannot carry at all (§2.2 `Char`): removed where text enters SVG, HTML or a push. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const XML_ILLEGAL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|\p{Cs}/gu;

/**
 * A string a person wrote (a name, title, reason, note, message): trimmed, `min`–`max`
 * characters (default min 1), and refused when it holds an {@link UNPRINTABLE} character,
 * so a store named `"Noodle\bBar"` is a 400 at the door instead of an image that never renders.
 */
export function humanText(max: number, options: { min?: number; trim?: boolean } = {}) {
  const trimmed = options.trim === false ? z.string() : z.string().trim();
  const min = options.min ?? 1;
  return (min > 0 ? trimmed.min(min) : trimmed).max(max).refine((text) => !UNPRINTABLE.test(text), {
    message: 'contains a control character, a noncharacter or a lone surrogate',
  });
}

/**
 * The text without the characters XML 1.0 cannot hold, for the places text leaves the system
 * (SVG cards, HTML, push payloads): defence in depth behind {@link humanText}, for text that
 * came in before it or by a way it does not guard. Pure.
 */
export function xmlSafe(text: string): string {
  return text.replace(XML_ILLEGAL, '');
}
