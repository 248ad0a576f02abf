import type { Countdown } from './clock.js';

/** The order as the order service shows it to a terminal. */
export interface OrderView {
  order: {
    orderId: string;
    version: number;
    status: string;
    merchantId: string;
    storeId: string;
    customerId: string;
    currency: string;
    total: number;
    /** `name` is the product's name when the order was placed (absent on older orders). */
    lines: { productId: string; name?: string; quantity: number; unitPrice: number }[];
    delivery: { line: string; region: string; contactName: string; contactPhone: string };
    placedAt: string;
    answered: boolean;
    allowedActions: string[];
    note?: string;
    stocking?: { status: string; reason?: string };
  };
  countdown: Countdown & { remainingMs: number };
}

export interface Store {
  storeId: string;
  merchantId: string;
  name: string;
  products: { productId: string; name: string; price: number; available: boolean }[];
}

export interface AuditCaseView {
  caseId: string;
  status: string;
  round: number;
  reasonType?: string;
  reason: { code?: string; text: string };
  order?: { orderNo: string; buyer: { company: string }; total: number; currency: string };
  target: { orderNo?: string; preOrderNo?: string };
  deadline?: string;
  overdue: boolean;
  history?: { at: string; action: string; note?: string }[];
}
