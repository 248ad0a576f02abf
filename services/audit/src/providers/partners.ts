import { type EventData, type AuditPassed } from '@orderpulse/contracts';
import { z } from 'zod';

import { CallFailed } from '../domain/errors';
import { postSigned, type SignedCallSettings } from './signed-call';

/** The middle office's verdict on a re-submitted order. */
export const ReviewVerdict = z.discriminatedUnion('result', [
  z.object({ result: z.literal('passed') }),
  z.object({
    result: z.literal('failed'),
    reasonCode: z.string().min(1).max(64).optional(),
    reasonText: z.string().min(1).max(2_000),
  }),
]);
export type ReviewVerdict = z.infer<typeof ReviewVerdict>;

export interface Resubmission {
  caseId: string;
  round: number;
  orderNo: string;
  preOrderNo?: string | undefined;
  notificationIds: string[];
  fix: { note: string; by: string; at: string };
}

/** The B2B middle office, as far as the audit service talks to it. */
export class MiddleOffice {
  constructor(private readonly settings: SignedCallSettings) {}

  /** Re-submits a fixed order for review; the answer is the review's verdict. */
  async review(resubmission: Resubmission, idempotencyKey: string, now: Date): Promise<ReviewVerdict> {
    const answer = await postSigned(this.settings, resubmission, idempotencyKey, now);
    const verdict = ReviewVerdict.safeParse(answer);
    if (!verdict.success)
      throw new CallFailed(
        `the middle office's answer is not a verdict: ${verdict.error.issues[0]?.message ?? 'invalid'}`,
        true,
      );
    return verdict.data;
  }
}

/** The user system (the "first server"), which tells the buyer. */
export class UserSystem {
  constructor(private readonly settings: SignedCallSettings) {}

  async auditPassed(eventId: string, message: EventData<typeof AuditPassed>, now: Date): Promise<void> {
    await postSigned(this.settings, { type: 'audit.passed', id: eventId, data: message }, eventId, now);
  }
}
