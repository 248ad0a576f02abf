import { z } from 'zod';

import { defineEvent } from '../define-event';
import { humanText } from '../human-text';
import { Topics } from '../topics';

/** The middle office's audit-failure notification, as it arrives on Kafka and on the signed webhook. */
export const AuditFailure = z
  .object({
    notificationId: z
      .string()
      .min(1)
      .max(128)
      .describe('the middle office’s id of this notification; intake is idempotent by it'),
    orderNo: z.string().min(1).max(64).optional(),
    preOrderNo: z.string().min(1).max(64).optional(),
    reasonCode: z.string().min(1).max(64).optional(),
    reasonText: humanText(2_000, { trim: false }),
    failedAt: z.iso.datetime(),
  })
  .refine((f) => f.orderNo !== undefined || f.preOrderNo !== undefined, {
    message: 'names neither an order number nor a pre-order number',
    path: ['orderNo'],
  });
export type AuditFailure = z.infer<typeof AuditFailure>;

/** The middle office refused an order in review. Key: the order (or pre-order) number. */
export const AuditFailed = defineEvent({
  type: 'audit.failed',
  version: 1,
  topic: Topics.auditFailures,
  summary: 'The B2B middle office reports that an order failed its review, with the reason code and text.',
  schema: AuditFailure,
  example: {
    notificationId: 'mo-ntf-88123',
    orderNo: 'SO-2026-000123',
    reasonCode: 'PRC-002',
    reasonText: 'Unit price below the contract floor price',
    failedAt: '2026-11-21T08:05:00.000Z',
  },
});
