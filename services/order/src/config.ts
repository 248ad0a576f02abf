import { commonEnv, kafkaEnv, mongoEnv, redisEnv } from '@orderpulse/service-kit';
import { z } from 'zod';

/** Every environment key the order service reads, validated once at start. */
export const OrderConfig = z.object({
  ...commonEnv,
  ...kafkaEnv,
  ...mongoEnv,
  ...redisEnv,
  /** The merchant's response window when its store sets none (seed 002 reports 5–15 minute waits today). */
  ORDER_RESPONSE_WINDOW_SECONDS: z.coerce.number().int().min(5).max(3_600).default(180),
  /** How often the reconciler re-creates lost timers and settles overdue orders. */
  ORDER_RECONCILE_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(3_600).default(30),
  /** How often accepted orders that wait for a rider are offered to the terminals again (and at once when a terminal is saved). */
  ORDER_ASSIGN_RETRY_SECONDS: z.coerce.number().int().min(1).max(3_600).default(15),
  /** The longest a long-poll is held open. */
  ORDER_LONG_POLL_MAX_SECONDS: z.coerce.number().int().min(1).max(60).default(25),
});
export type OrderConfig = z.infer<typeof OrderConfig>;
