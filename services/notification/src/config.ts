import { commonEnv, kafkaEnv, mongoEnv, redisEnv } from '@orderpulse/service-kit';
import { z } from 'zod';

/** Every environment key the notification service reads, validated once at start. */
export const NotificationConfig = z.object({ ...commonEnv, ...kafkaEnv, ...mongoEnv, ...redisEnv });
export type NotificationConfig = z.infer<typeof NotificationConfig>;
