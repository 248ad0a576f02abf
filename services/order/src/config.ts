import { commonEnv, kafkaEnv, mongoEnv, redisEnv } from '@orderpulse/service-kit';
import { z } from 'zod';

/** Every environment key the order service reads, validated once at start. */
export const OrderConfig = z.object({ ...commonEnv, ...kafkaEnv, ...mongoEnv, ...redisEnv });
export type OrderConfig = z.infer<typeof OrderConfig>;
