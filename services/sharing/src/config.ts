import { commonEnv, kafkaEnv, mongoEnv, redisEnv } from '@orderpulse/service-kit';
import { z } from 'zod';

const orderType = z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'an order type is a lower-case word (a–z, 0–9, _)');

/** Every environment key the sharing service reads, validated once at start. */
export const SharingConfig = z.object({
  ...commonEnv,
  ...kafkaEnv,
  ...mongoEnv,
  ...redisEnv,
  /** How long the target of a share has to claim it (seed 004's preset claim period). */
  SHARE_CLAIM_WINDOW_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 86_400)
    .default(1_800),
  /** The most claimed shares one guarantee order may have (seed 004's maximum share threshold). */
  SHARE_MAX_SHARES: z.coerce.number().int().min(1).max(50).default(3),
  /**
   * Order types from the highest priority down, comma-separated: the shareable list is sorted by
   * it. Types not named come after every named one.
   */
  SHARE_TYPE_PRIORITY: z
    .string()
    .default('critical_illness,inpatient,surgery,outpatient,medicine')
    .transform((s) =>
      s
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean),
    )
    .pipe(
      z
        .array(orderType)
        .max(100)
        .refine((types) => new Set(types).size === types.length, 'an order type is named twice'),
    ),
  /** How often the reconciler re-creates lost claim-expiry timers and closes overdue shares. */
  SHARE_RECONCILE_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(3_600).default(30),
});
export type SharingConfig = z.infer<typeof SharingConfig>;

/** Keys renamed since a release, old name → new: `loadConfig` still reads the old with a warning. */
export const sharingRenamedKeys = { SHARE_MAX_THRESHOLD: 'SHARE_MAX_SHARES' } as const;
