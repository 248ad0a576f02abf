import {
  DeliveryDeclined,
  DeliveryList,
  OrderHistory,
  OrderList,
  OrderView,
  StoreView,
  DeliveryTerminalView,
} from '@orderpulse/contracts';
import type { ApiInfo, ApiRoutes } from '@orderpulse/service-kit';
import { z } from 'zod';

import {
  ExternalRefParam,
  ListQuery,
  MerchantAction,
  OrderIdParam,
  PlaceOrderBody,
  ProgressBody,
  ReasonBody,
  StockingBody,
  StoreBody,
  StorefrontPlaceOrderBody,
  DeliveryTerminalBody,
  WaitQuery,
} from './schemas';

const Id = z.object({ id: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'not an id') });
const ActionParams = OrderIdParam.extend({ action: MerchantAction });
const order = (description: string) => ({ description, schema: OrderView });
const stream = {
  description:
    'Server-sent events: `event: order` with the order as GET answers it (`id:` is its version), until it is answered; `event: unauthorized` when the token expires.',
  contentType: 'text/event-stream',
};

const placeExample = {
  merchantId: 'm-1001',
  storeId: 's-1001',
  currency: 'CNY',
  lines: [{ productId: 'p-beef-noodles', quantity: 2, unitPrice: 1800 }],
  delivery: {
    line: '88 Century Avenue, 12F',
    region: 'pudong',
    contactName: 'Li Wei',
    contactPhone: '+86 138 0000 0000',
  },
  locale: 'zh-CN',
};

export const orderApiInfo: ApiInfo = {
  title: 'orderpulse order service',
  version: '1.0.0',
  description:
    'Orders, their countdown and their delivery (seeds 001 and 002). A placed order waits `responseWindowSeconds` for the merchant; every screen shows the same countdown from `countdown.deadline` and `countdown.serverTime`, never its own clock. When the window closes unanswered, the service rules (`not_connected` or `not_answered`).',
};

/** Every route of the order service. */
export const orderApi: ApiRoutes = {
  'POST /v1/orders': {
    tag: 'orders',
    summary: 'Place an order',
    description:
      'A customer places for itself; a storefront for its customer, with `customerId` and its own `externalRef` (the token’s `tenant` is the storefront). A storefront’s customer is known as `<storefrontId>/<customerId>` (the subject of that customer’s own token), so a storefront never places into another account. Checked against the store (open, products, prices); a refused order is a 422 naming the check. Idempotent: the same `Idempotency-Key` (customers) or `externalRef` (storefronts) with the same body answers the same order with 200; with a different body it is a 422 with `reused` naming the key, and the first order stands.',
    roles: ['customer', 'storefront'],
    headers: {
      'Idempotency-Key': {
        description: '8–128 visible ASCII characters; a retry with the same key places nothing new.',
      },
    },
    body: z.union([PlaceOrderBody, StorefrontPlaceOrderBody]),
    example: placeExample,
    answers: {
      201: order('Placed; `Location` names the order.'),
      200: order('Placed before under the same key or reference.'),
    },
    problems: [422],
  },
  'GET /v1/orders': {
    tag: 'orders',
    summary: 'List orders',
    description: 'A merchant’s orders (filtered by `status`, comma-separated) or a customer’s own, newest first.',
    roles: ['customer', 'merchant'],
    query: ListQuery,
    answers: { 200: { description: 'The orders.', schema: OrderList } },
  },
  'GET /v1/orders/:id': {
    tag: 'orders',
    summary: 'Read an order, or long-poll for its next change',
    description:
      'With `wait` and `knownVersion`, answers once the order is past that version or after `wait` seconds (at most the service’s limit and the token’s life). A merchant’s first read marks the order `connected` (seed 002).',
    roles: ['customer', 'merchant', 'rider', 'storefront', 'admin'],
    params: OrderIdParam,
    query: WaitQuery,
    answers: { 200: order('The order.') },
    problems: [404],
  },
  'GET /v1/storefront-orders/:externalRef': {
    tag: 'orders',
    summary: 'Read a storefront’s order by its own reference',
    description: 'The same answer as by order id, refused orders too.',
    roles: ['storefront'],
    params: ExternalRefParam,
    answers: { 200: order('The order.') },
    problems: [404],
  },
  'GET /v1/orders/:id/stream': {
    tag: 'orders',
    summary: 'Follow an order as server-sent events',
    roles: ['customer', 'merchant', 'rider', 'storefront', 'admin'],
    params: OrderIdParam,
    answers: { 200: stream },
    problems: [404],
  },
  'GET /v1/orders/:id/history': {
    tag: 'orders',
    summary: 'An order’s history',
    roles: ['customer', 'merchant', 'rider', 'storefront', 'admin'],
    params: OrderIdParam,
    answers: { 200: { description: 'Every change, oldest first.', schema: OrderHistory } },
    problems: [404],
  },
  'POST /v1/orders/:id/:action': {
    tag: 'orders',
    summary: 'Answer an order (merchant)',
    description:
      '`accept` or `reject` inside the response window; `return` or `dispatch` after acceptance. After the deadline the answer is a 409 `WINDOW_CLOSED`: the service has ruled.',
    roles: ['merchant'],
    params: ActionParams,
    body: ReasonBody,
    answers: { 200: order('The order as changed.') },
    problems: [404, 409],
  },
  'GET /v1/deliveries': {
    tag: 'deliveries',
    summary: 'A delivery terminal’s orders',
    description: 'The token’s `sub` is the terminal id.',
    roles: ['rider'],
    query: ListQuery,
    answers: { 200: { description: 'The orders assigned to the terminal.', schema: DeliveryList } },
  },
  'POST /v1/deliveries/:id/stocking': {
    tag: 'deliveries',
    summary: 'Report stocking at the store',
    roles: ['rider'],
    params: OrderIdParam,
    body: StockingBody,
    answers: { 200: order('The order.') },
    problems: [404, 409],
  },
  'POST /v1/deliveries/:id/progress': {
    tag: 'deliveries',
    summary: 'Report a delivery step',
    description:
      'Steps and the statuses they lead to: `took` → `rider_took`, `arrived_at_store` → `rider_at_store`, `handed_over` → `picked_up`, `delivered` → `delivered`.',
    roles: ['rider'],
    params: OrderIdParam,
    body: ProgressBody,
    answers: { 200: order('The order.') },
    problems: [404, 409],
  },
  'POST /v1/deliveries/:id/decline': {
    tag: 'deliveries',
    summary: 'Decline a delivery',
    description: 'The order goes to another eligible terminal, or waits for one (offered again until taken).',
    roles: ['rider'],
    params: OrderIdParam,
    body: ReasonBody,
    answers: { 200: { description: 'Declined.', schema: DeliveryDeclined } },
    problems: [404, 409],
  },
  'PUT /v1/stores/:id': {
    tag: 'catalog',
    summary: 'Keep a store',
    description:
      'An admin, or the merchant named by `merchantId` (its token’s tenant). `hours` lists opening hours per weekday, `"0"` (Sunday) to `"6"`, as `HH:MM-HH:MM` in `timeZone`; a missing weekday is closed.',
    roles: ['admin', 'merchant'],
    params: Id,
    body: StoreBody,
    example: {
      merchantId: 'm-1001',
      name: 'Noodle House',
      timeZone: 'Asia/Shanghai',
      hours: {
        0: [],
        1: ['10:00-21:00'],
        2: ['10:00-21:00'],
        3: ['10:00-21:00'],
        4: ['10:00-21:00'],
        5: ['10:00-22:00'],
        6: ['10:00-22:00'],
      },
      responseWindowSeconds: 60,
      products: [{ productId: 'p-beef-noodles', name: 'Beef noodles', price: 1800, available: true }],
    },
    answers: {
      201: { description: 'Created.', schema: StoreView },
      200: { description: 'Replaced.', schema: StoreView },
    },
  },
  'GET /v1/stores/:id': {
    tag: 'catalog',
    summary: 'A store’s menu and hours',
    roles: ['customer', 'merchant', 'admin'],
    params: Id,
    answers: { 200: { description: 'The store.', schema: StoreView } },
    problems: [404],
  },
  'PUT /v1/terminals/:id': {
    tag: 'catalog',
    summary: 'Register a delivery terminal',
    description: 'The terminal’s id is the `sub` of its rider tokens.',
    roles: ['admin'],
    params: Id,
    body: DeliveryTerminalBody,
    answers: { 200: { description: 'Saved.', schema: DeliveryTerminalView } },
  },
};
