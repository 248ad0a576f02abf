import { AuditFailure, humanText, ReasonType } from '@orderpulse/contracts';
import type { BodyLimits } from '@orderpulse/service-kit';
import { z } from 'zod';

import { caseStatuses } from '../../domain/audit-case';
import { AuditPolicy } from '../../domain/audit-policy';

export const CaseIdParam = z.object({ caseId: z.string().regex(/^ac_[0-9a-f]{24}$/, 'not a case id') });

export const OrderNoParam = z.object({ orderNo: z.string().min(1).max(64) });

export const FixBody = z.object({ note: humanText(2_000) });

const cursor = z
  .string()
  .max(200)
  .transform((s, ctx) => {
    try {
      const [at, caseId] = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as [string, string];
      const receivedAt = new Date(at);
      if (typeof caseId !== 'string' || Number.isNaN(receivedAt.getTime())) throw new Error('bad cursor');
      return { receivedAt, caseId };
    } catch {
      ctx.addIssue({ code: 'custom', message: 'not a cursor this API gave out' });
      return z.NEVER;
    }
  });

export function cursorOf(c: { receivedAt: Date; caseId: string }): string {
  return Buffer.from(JSON.stringify([c.receivedAt.toISOString(), c.caseId])).toString('base64url');
}

export const CaseListQuery = z.object({
  status: z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(caseStatuses)).min(1))
    .optional(),
  type: ReasonType.optional(),
  /** A handler id, or `me`. */
  handler: z.string().min(1).max(64).optional(),
  overdue: z.enum(['true', 'false']).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: cursor.optional(),
});

export const PolicyBody = z.object({
  /** The version this change was made from; a policy changed meanwhile is not overwritten. */
  expectedVersion: z.number().int().min(0),
  policy: AuditPolicy,
});

export const AccountParam = z.object({
  customerAccount: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[\w.:-]+$/),
});
export const AccountBody = z.object({
  handlerId: z.string().min(1).max(64),
  leadId: z.string().min(1).max(64).optional(),
});

/** Each body-taking route's body, by route: its limit is worked out from the schema (service-kit `bodyLimitOf`). */
export const bodyLimits = {
  'POST /v1/audit/failures': AuditFailure,
  // The policy schema bounds each list but not the number of teams, and its lists multiply to bodies
  // of hundreds of megabytes: no real policy comes near. An admin's policy gets 1 MiB (413 beyond).
  'PUT /v1/audit/policy': 1_048_576,
  'PUT /v1/audit/accounts/:customerAccount': AccountBody,
  'DELETE /v1/audit/accounts/:customerAccount': z.strictObject({}),
  'POST /v1/audit/cases/:caseId/fix': FixBody,
} satisfies BodyLimits;
