import { z } from 'zod';

import { defineEvent } from '../define-event';
import { humanText } from '../human-text';
import { Topics } from '../topics';
import { Money } from './storefront-order-placed.event';

export const B2bOrderLine = z.object({
  sku: z.string().min(1).max(64),
  name: humanText(200, { trim: false }),
  quantity: z.number().int().min(1).max(1_000_000),
  unitPrice: Money,
});

/** A B2B order as the buyer confirmed it: what the middle office reviews and the success message repeats. */
export const B2bOrder = z.object({
  orderNo: z.string().min(1).max(64),
  preOrderNo: z.string().min(1).max(64).optional().describe('the reserved (pre-)order the buyer confirmed'),
  customerAccount: z.string().min(1).max(64).describe('the buyer’s account on the trading platform'),
  buyer: z.object({ company: humanText(200, { trim: false }), contactName: humanText(80, { trim: false }).optional() }),
  lines: z.array(B2bOrderLine).min(1).max(500),
  total: Money,
  currency: z.string().regex(/^[A-Z]{3}$/),
  shipTo: z.object({
    line: humanText(300, { trim: false }),
    contactName: humanText(80, { trim: false }).optional(),
    contactPhone: z.string().min(3).max(32).optional(),
  }),
  locale: z.enum(['zh-CN', 'en']).default('zh-CN'),
  confirmedAt: z.iso.datetime(),
});
export type B2bOrder = z.infer<typeof B2bOrder>;

export const exampleB2bOrder: z.input<typeof B2bOrder> = {
  orderNo: 'SO-2026-000123',
  preOrderNo: 'PO-2026-000087',
  customerAccount: 'acct-4711',
  buyer: { company: 'Hangzhou Lakeside Hotels', contactName: 'Chen Jing' },
  lines: [{ sku: 'SKU-TOWEL-70', name: 'Bath towel 70×140', quantity: 400, unitPrice: 2350 }],
  total: 940_000,
  currency: 'CNY',
  shipTo: { line: '18 Xixi Road, Hangzhou', contactName: 'Wang Lei', contactPhone: '+86 571 0000 0000' },
  locale: 'zh-CN',
  confirmedAt: '2026-11-21T08:00:00.000Z',
};

/** The trading platform sent a buyer-confirmed order to the middle office for review. Key: the order number. */
export const B2bOrderConfirmed = defineEvent({
  type: 'b2b-order.confirmed',
  version: 1,
  topic: Topics.b2bOrders,
  summary: 'A buyer confirmed a B2B order and the trading platform sent it to the middle office for review.',
  schema: B2bOrder,
  example: exampleB2bOrder,
});
