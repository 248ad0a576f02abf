import { commonEnv, fetchableUrl, kafkaEnv, mongoEnv, redisEnv } from '@orderpulse/service-kit';
import { z } from 'zod';

const secret = (name: string) => z.string().min(32, `${name} must be at least 32 characters`);

/** Every environment key the audit service reads, validated once at start. */
export const AuditConfig = z.object({
  ...commonEnv,
  ...kafkaEnv,
  ...mongoEnv,
  ...redisEnv,
  /** Shared with the middle office: its audit-failure webhook calls are signed with it. */
  AUDIT_WEBHOOK_SECRET: secret('AUDIT_WEBHOOK_SECRET'),
  /** How old a signed webhook call may be, and how far ahead its clock may run. */
  AUDIT_WEBHOOK_TOLERANCE_SECONDS: z.coerce.number().int().min(10).max(3_600).default(300),
  /** Where fixed orders are re-submitted for review (POST, signed). */
  MIDDLE_OFFICE_URL: fetchableUrl,
  MIDDLE_OFFICE_SECRET: secret('MIDDLE_OFFICE_SECRET'),
  /** The user system (the "first server") that takes the audit-success message (POST, signed). */
  USER_SYSTEM_URL: fetchableUrl,
  USER_SYSTEM_SECRET: secret('USER_SYSTEM_SECRET'),
  /** How long one call to the middle office or the user system may take before it is retried. */
  AUDIT_CALL_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  /** Tries per call in all; 5xx, 429 and timeouts are retried, other 4xx are not. */
  AUDIT_CALL_ATTEMPTS: z.coerce.number().int().min(1).max(30).default(8),
  /** The first retry's delay; it doubles with each further try. */
  AUDIT_CALL_BACKOFF_MS: z.coerce.number().int().min(10).max(600_000).default(2_000),
  /** How often a notification about an unknown order looks for its order again. */
  AUDIT_PARK_RETRY_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  /** After this long a parked notification is `unmatched` (it still matches if the order arrives). */
  AUDIT_PARK_GIVE_UP_HOURS: z.coerce.number().min(0.001).max(720).default(72),
  /** How often timers and calls are checked against the cases, in case Redis lost some. */
  AUDIT_RECONCILE_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(3_600).default(60),
});
export type AuditConfig = z.infer<typeof AuditConfig>;
