import type { ReasonType } from '@orderpulse/contracts';

import type { ClassificationRule } from './audit-policy';

export interface Classification {
  type: ReasonType;
  /** The rule that matched, or `fallback` when none did. */
  ruleId: string;
}

/** The reason type of a failure: the first rule that matches its code or its text, else `other`. */
export function classify(
  reason: { code?: string | undefined; text: string },
  rules: readonly ClassificationRule[],
): Classification {
  const code = reason.code?.trim().toUpperCase() ?? '';
  const text = reason.text.toLowerCase();
  for (const rule of rules) {
    const byCode =
      code !== '' &&
      (rule.codes.some((c) => c.toUpperCase() === code) ||
        rule.codePrefixes.some((p) => code.startsWith(p.toUpperCase())));
    const byText = rule.keywords.some((k) => text.includes(k.toLowerCase()));
    if (byCode || byText) return { type: rule.type, ruleId: rule.id };
  }
  return { type: 'other', ruleId: 'fallback' };
}
