import {
  type AuditCaseEscalated,
  type AuditCaseOpened,
  type AuditPassed,
  type AuditResubmissionFailed,
  type EventData,
  type Locale,
  type LocalizedText,
  type MediaAttached,
  type OrderAssigned,
  type OrderAwaitingRider,
  type OrderPlaced,
  type OrderRefused,
  type OrderSnapshot,
  type OrderStatus,
  type OrderStatusChanged,
  type OrderStockingReported,
  shortOrderNumber,
} from '@orderpulse/contracts';
import { asTenant } from '@orderpulse/service-kit';

import type { Category } from './categories';
import { mediaNoticesFor, type NoticeMedia } from './media-routing';
import type { Recipient } from './recipients';
import { isSharingEvent, sharingNoticesFor, type SharingRoutedEvent } from './sharing-routing';
import { deliverySteps, type Param, type TemplateKey } from './templates';

/** One thing one recipient is to be told about one event. */
export interface Notice {
  recipient: Recipient;
  category: Category;
  template: TemplateKey;
  params: Readonly<Record<string, Param>>;
  orderId: string;
  /** The order's status, or the share's for sharing notices. */
  status?: string;
  /** The order's countdown, passed on so every screen shows the same deadline. */
  countdown?: { deadline: string; serverTime: string };
  /** The order's locale; the recipient's own choice, when it has one, wins. */
  locale: Locale;
  /** An image for the push and the message (seed 000). */
  media?: NoticeMedia;
}

/** The events the notification service routes, by their type. */
export type RoutedEvent =
  | { type: 'order.placed'; data: EventData<typeof OrderPlaced> }
  | { type: 'order.refused'; data: EventData<typeof OrderRefused> }
  | { type: 'order.status-changed'; data: EventData<typeof OrderStatusChanged> }
  | { type: 'order.assigned'; data: EventData<typeof OrderAssigned> }
  | { type: 'order.awaiting-rider'; data: EventData<typeof OrderAwaitingRider> }
  | { type: 'order.stocking-reported'; data: EventData<typeof OrderStockingReported> }
  | { type: 'audit.case-opened'; data: EventData<typeof AuditCaseOpened> }
  | { type: 'audit.case-escalated'; data: EventData<typeof AuditCaseEscalated> }
  | { type: 'audit.resubmission-failed'; data: EventData<typeof AuditResubmissionFailed> }
  | { type: 'audit.passed'; data: EventData<typeof AuditPassed> }
  | SharingRoutedEvent
  | { type: 'media.attached'; data: EventData<typeof MediaAttached> };

/** A B2B handler is told what the audit service wrote for them, in their locale; the order reference is the order number. */
function toHandler(id: string, orderNo: string, text: LocalizedText): Notice {
  return {
    recipient: { kind: 'handler', id },
    category: 'audit',
    template: 'preset',
    params: {
      title: { en: text.en.title, 'zh-CN': text['zh-CN'].title },
      body: { en: text.en.body, 'zh-CN': text['zh-CN'].body },
    },
    orderId: orderNo,
    locale: 'zh-CN',
  };
}

function money(amount: number, currency: string): string {
  return `${currency} ${(amount / 100).toFixed(2)}`;
}

/** What was ordered, as a merchant reads it at a glance: the first three dishes by name (the id for orders placed before names were kept), and how many more. */
function dishesOf(lines: readonly { productId: string; name?: string | undefined; quantity: number }[]): string {
  const shown = lines
    .slice(0, 3)
    .map((l) => `${l.name ?? l.productId} × ${l.quantity}`)
    .join(', ');
  return lines.length > 3 ? `${shown} +${lines.length - 3}` : shown;
}

function minutesLeft(countdown: { deadline: string; serverTime: string }): string {
  const ms = Date.parse(countdown.deadline) - Date.parse(countdown.serverTime);
  return String(Math.max(0, Math.ceil(ms / 60_000)));
}

const customer = (o: OrderSnapshot): Recipient => ({ kind: 'customer', id: o.customerId });
const merchant = (o: OrderSnapshot): Recipient => ({ kind: 'merchant', id: asTenant(o.merchantId) });

function about(
  o: OrderSnapshot,
  recipient: Recipient,
  category: Category,
  template: TemplateKey,
  params: Record<string, Param> = {},
): Notice {
  return {
    recipient,
    category,
    template,
    params: { orderNo: shortOrderNumber(o.orderId), ...params },
    orderId: o.orderId,
    status: o.status,
    countdown: o.countdown,
    locale: o.locale,
  };
}

const merchantHearsOf: ReadonlySet<OrderStatus> = new Set(['rider_at_store', 'picked_up', 'delivered']);

function statusChanged(o: EventData<typeof OrderStatusChanged>): Notice[] {
  const reason = o.reason ?? '—';
  switch (o.status) {
    case 'connected':
      return [
        about(o, customer(o), 'order_outcome', 'order.connected.customer', { minutes: minutesLeft(o.countdown) }),
      ];
    case 'accepted':
    case 'dispatched':
      return [about(o, customer(o), 'order_outcome', `order.${o.status}.customer`)];
    case 'rejected':
    case 'returned':
      return [about(o, customer(o), 'order_outcome', `order.${o.status}.customer`, { reason })];
    case 'not_connected':
    case 'not_answered':
      return [
        about(o, customer(o), 'order_outcome', `order.${o.status}.customer`),
        about(o, merchant(o), 'order_outcome', 'order.closed.merchant', { status: o.status }),
      ];
    case 'rider_took':
    case 'rider_at_store':
    case 'picked_up':
    case 'delivered': {
      const words = deliverySteps[o.status];
      const notices = [about(o, customer(o), 'delivery_progress', 'delivery.progress.customer', words)];
      if (merchantHearsOf.has(o.status))
        notices.push(about(o, merchant(o), 'delivery_progress', 'delivery.progress.merchant', words));
      return notices;
    }
    default:
      return [];
  }
}

/**
 * Who is told what about an event: the customer of every change to their order, the merchant
 * of new orders and of what happens to them without the merchant (the deadline, the rider),
 * the delivery terminal of what it is given or loses. Pure: the same event, the same notices.
 */
export function noticesFor(event: RoutedEvent): Notice[] {
  if (isSharingEvent(event)) return sharingNoticesFor(event);
  switch (event.type) {
    case 'order.placed': {
      const o = event.data;
      const minutes = minutesLeft(o.countdown);
      const items = String(o.lines.reduce((n, l) => n + l.quantity, 0));
      return [
        about(o, merchant(o), 'new_order', 'order.placed.merchant', {
          minutes,
          items,
          dishes: dishesOf(o.lines),
          total: money(o.total, o.currency),
        }),
        about(o, customer(o), 'order_outcome', 'order.placed.customer', { minutes }),
      ];
    }
    case 'order.refused': {
      const r = event.data;
      return [
        {
          recipient: { kind: 'customer', id: r.customerId },
          category: 'order_outcome',
          template: 'order.refused.customer',
          params: { orderNo: shortOrderNumber(r.orderId), reason: r.reason },
          orderId: r.orderId,
          status: 'refused',
          locale: r.locale ?? 'zh-CN',
        },
      ];
    }
    case 'order.status-changed':
      return statusChanged(event.data);
    case 'order.assigned': {
      const o = event.data;
      const notices = [
        about(o, { kind: 'rider', id: o.terminalId }, 'assignment', 'order.assigned.rider', {
          storeId: o.storeId,
          address: o.delivery.line,
          region: o.delivery.region,
        }),
        about(o, customer(o), 'delivery_progress', 'delivery.progress.customer', deliverySteps.assigned),
      ];
      if (o.previousTerminalId && o.previousTerminalId !== o.terminalId) {
        notices.push(about(o, { kind: 'rider', id: o.previousTerminalId }, 'assignment', 'order.unassigned.rider'));
      }
      return notices;
    }
    case 'order.awaiting-rider': {
      // The merchant is the one holding the goods; the customer learns when a rider is assigned.
      const o = event.data;
      return [about(o, merchant(o), 'delivery_progress', 'order.awaiting-rider.merchant')];
    }
    case 'order.stocking-reported': {
      const o = event.data;
      const template = o.stocking === 'success' ? 'order.stocking.success' : 'order.stocking.failure';
      const params = { reason: o.reason ?? '—' };
      return [
        about(o, customer(o), 'delivery_progress', template, params),
        about(o, merchant(o), 'delivery_progress', template, params),
      ];
    }
    case 'audit.case-opened':
    case 'audit.resubmission-failed':
      return [toHandler(event.data.handlerId, event.data.orderNo, event.data.notice)];
    case 'audit.case-escalated':
      return [toHandler(event.data.leadId, event.data.orderNo, event.data.notice)];
    case 'audit.passed': {
      const p = event.data;
      return [
        {
          recipient: { kind: 'handler', id: p.handlerId },
          category: 'audit',
          template: 'audit.passed.handler',
          params: { orderNo: p.orderNo },
          orderId: p.orderNo,
          locale: p.order.locale,
        },
      ];
    }
    case 'media.attached':
      return mediaNoticesFor(event.data);
  }
}
