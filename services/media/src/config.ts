import { commonEnv, kafkaEnv, mongoEnv, redisEnv, s3Env } from '@orderpulse/service-kit';
import { z } from 'zod';

/** Every environment key the media service reads, validated once at start. */
export const MediaConfig = z.object({ ...commonEnv, ...kafkaEnv, ...mongoEnv, ...redisEnv, ...s3Env });
export type MediaConfig = z.infer<typeof MediaConfig>;
