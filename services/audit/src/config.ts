import { commonEnv, kafkaEnv, mongoEnv, redisEnv } from '@orderpulse/service-kit';
import { z } from 'zod';

/** Every environment key the audit service reads, validated once at start. */
export const AuditConfig = z.object({ ...commonEnv, ...kafkaEnv, ...mongoEnv, ...redisEnv });
export type AuditConfig = z.infer<typeof AuditConfig>;
