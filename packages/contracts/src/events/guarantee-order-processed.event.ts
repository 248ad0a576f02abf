import { z } from 'zod';

import { defineEvent } from '../define-event';
import { Locale } from '../order-words';
import { Topics } from '../topics';
import { GuaranteeOrderStatus } from './share-snapshot';

/**
 * A processing result was recorded on a guarantee order or on one of its second orders. The
 * status made from it holds for the original and every claimed second order, and every member
 * holding one of them is told.
 */
export const GuaranteeOrderProcessed = defineEvent({
  type: 'guarantee-order.processed',
  version: 1,
  topic: Topics.sharingEvents,
  summary:
    'A processing result settled a guarantee order; the status is set on the original and its claimed second orders, and their members are told.',
  schema: z.object({
    orgId: z.string(),
    orderId: z.string(),
    ownerId: z.string(),
    orderType: z.string(),
    reference: z.string(),
    title: z.string(),
    locale: Locale,
    version: z.number().int().positive(),
    /** Never `active`: a result always settles the order. */
    status: GuaranteeOrderStatus.exclude(['active']),
    note: z.string().optional(),
    /** Who recorded the result, and on which order (the original or a second order). */
    by: z.object({ memberId: z.string(), orderId: z.string() }),
    /** The claimed second orders that carry the same status, with the member holding each. */
    linked: z.array(z.object({ orderId: z.string(), memberId: z.string() })),
    processedAt: z.iso.datetime(),
  }),
  example: {
    orgId: 'org-hz-claims',
    orderId: 'go_7f3a9c21d4e8b605',
    ownerId: 'member-wang',
    orderType: 'inpatient',
    reference: 'GP-2026-000184',
    title: 'Inpatient guarantee, Zhejiang Provincial Hospital',
    locale: 'zh-CN',
    version: 4,
    status: 'completed',
    note: 'deposit guaranteed, admission confirmed',
    by: { memberId: 'member-li', orderId: 'so_4b1e0c9a7d2f' },
    linked: [{ orderId: 'so_4b1e0c9a7d2f', memberId: 'member-li' }],
    processedAt: '2026-11-21T11:12:40.000Z',
  },
});
