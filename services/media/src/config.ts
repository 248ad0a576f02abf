import { commonEnv, kafkaEnv, mongoEnv, redisEnv, s3Env } from '@orderpulse/service-kit';
import { z } from 'zod';

import { defaultPolicy, type MediaPolicy, parsePolicy } from './domain/media-policy';

const seconds = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

/** Every environment key the media service reads, validated once at start. */
export const MediaConfig = z.object({
  ...commonEnv,
  ...kafkaEnv,
  ...mongoEnv,
  ...redisEnv,
  ...s3Env,
  /** Which statuses take a real-shot photo and who shoots it, and which get a synthesized image: `status:photo@merchant|rider` or `status:synthesized`. */
  MEDIA_POLICY: z
    .string()
    .default(defaultPolicy)
    .transform((text, ctx): MediaPolicy => {
      const parsed = parsePolicy(text);
      if (parsed.ok) return parsed.policy;
      for (const problem of parsed.problems) ctx.addIssue({ code: 'custom', message: problem });
      return z.NEVER;
    }),
  /** Prepended to every object key, so several deployments (or test runs) share a bucket. */
  MEDIA_KEY_PREFIX: z
    .string()
    .regex(/^([a-zA-Z0-9._-]+\/)*$/, 'MEDIA_KEY_PREFIX is empty or ends with /')
    .default(''),
  /** How long a presigned upload URL works. */
  MEDIA_UPLOAD_GRANT_SECONDS: seconds(1, 3_600, 300),
  /** How long after a grant's expiry its upload may still be confirmed (an upload started in time may end late). */
  MEDIA_CONFIRM_GRACE_SECONDS: seconds(0, 3_600, 120),
  /** How long one confirmation holds its grant while the upload is checked; a holder that died lets go after it. */
  MEDIA_CONFIRM_LEASE_SECONDS: seconds(1, 600, 30),
  /** The largest photo taken, in bytes. */
  MEDIA_UPLOAD_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1_024)
    .max(50 * 1_048_576)
    .default(10 * 1_048_576),
  /** The shortest side a photo may have, in pixels. */
  MEDIA_PHOTO_MIN_DIMENSION: z.coerce.number().int().min(1).max(4_096).default(320),
  /** The longest side a photo may have, in pixels; larger ones are refused before they cost memory. */
  MEDIA_PHOTO_MAX_DIMENSION: z.coerce.number().int().min(64).max(16_384).default(8_192),
  /** How long a real-shot status waits for its photo before the synthesized image stands in. */
  MEDIA_PHOTO_GRACE_SECONDS: seconds(1, 86_400, 600),
  /** Lifetime of the presigned GET URLs readers get from the API. */
  MEDIA_READ_URL_SECONDS: seconds(1, 86_400, 300),
  /** Lifetime of the presigned GET URLs in the media.attached event, which the push carries. */
  MEDIA_PUSH_URL_SECONDS: seconds(60, 604_800, 3_600),
  /** The synthesized images' format. */
  MEDIA_SYNTH_FORMAT: z.enum(['png', 'webp']).default('png'),
  /** The time zone the synthesized images write times in. */
  MEDIA_TIME_ZONE: z
    .string()
    .default('Asia/Shanghai')
    .refine((zone) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: zone });
        return true;
      } catch {
        return false;
      }
    }, 'MEDIA_TIME_ZONE is not an IANA time zone'),
  /** How often the reconciler re-creates lost timers and settles overdue images. */
  MEDIA_RECONCILE_INTERVAL_SECONDS: seconds(1, 3_600, 60),
});
export type MediaConfig = z.infer<typeof MediaConfig>;
