import { commonEnv, kafkaEnv, mongoEnv, redisEnv } from '@orderpulse/service-kit';
import { z } from 'zod';

/** Every environment key the sharing service reads, validated once at start. */
export const SharingConfig = z.object({ ...commonEnv, ...kafkaEnv, ...mongoEnv, ...redisEnv });
export type SharingConfig = z.infer<typeof SharingConfig>;
