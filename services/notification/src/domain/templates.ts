import { type Locale, orderStatusLabels, xmlSafe } from '@orderpulse/contracts';

import { sharingTemplates } from './sharing-templates';

type Text = { title: string; body: string };

/**
 * Every message orderpulse sends, per locale. `{name}` is filled from the notice's params;
 * a test renders each one in each locale with the params its route supplies.
 */
export const templates = {
  /** A message another service filled in already (the audit service's preset notifications): passed through. */
  preset: {
    en: { title: '{title}', body: '{body}' },
    'zh-CN': { title: '{title}', body: '{body}' },
  },
  'audit.passed.handler': {
    en: {
      title: 'Order {orderNo} passed review',
      body: 'Your fix worked: the middle office passed order {orderNo}, and the buyer has been told.',
    },
    'zh-CN': {
      title: '订单 {orderNo} 已通过审核',
      body: '您的处理已生效：订单 {orderNo} 已通过中台审核，已通知买家。',
    },
  },
  'order.placed.merchant': {
    en: { title: 'New order {orderNo}', body: '{dishes}; {items} item(s), {total}. Answer within {minutes} min.' },
    'zh-CN': { title: '新订单 {orderNo}', body: '{dishes}，共{items}件，{total}。请在{minutes}分钟内处理。' },
  },
  'order.placed.customer': {
    en: { title: 'Order {orderNo} sent', body: 'The store will answer within {minutes} min.' },
    'zh-CN': { title: '订单 {orderNo} 已提交', body: '商家将在{minutes}分钟内答复。' },
  },
  'order.refused.customer': {
    en: { title: 'Order {orderNo} not placed', body: '{reason}' },
    'zh-CN': { title: '订单 {orderNo} 未能提交', body: '{reason}' },
  },
  'order.connected.customer': {
    en: {
      title: 'The store has your order',
      body: 'Order {orderNo} reached the store; it will answer within {minutes} min.',
    },
    'zh-CN': { title: '商家已收到订单', body: '订单 {orderNo} 已送达商家，将在{minutes}分钟内答复。' },
  },
  'order.accepted.customer': {
    en: { title: 'Order {orderNo} accepted', body: 'The store is preparing your order.' },
    'zh-CN': { title: '订单 {orderNo} 已接单', body: '商家正在为您准备。' },
  },
  'order.rejected.customer': {
    en: { title: 'Order {orderNo} declined', body: 'The store declined: {reason}' },
    'zh-CN': { title: '订单 {orderNo} 被拒绝', body: '商家拒绝了订单：{reason}' },
  },
  'order.returned.customer': {
    en: { title: 'Order {orderNo} returned', body: 'The store sent the order back: {reason}' },
    'zh-CN': { title: '订单 {orderNo} 被退回', body: '商家退回了订单：{reason}' },
  },
  'order.dispatched.customer': {
    en: { title: 'Order {orderNo} dispatched', body: 'The store handed your order on for delivery.' },
    'zh-CN': { title: '订单 {orderNo} 已派单', body: '商家已将订单交付配送。' },
  },
  'order.not_connected.customer': {
    en: {
      title: 'Order {orderNo}: store unreachable',
      body: 'The order did not reach the store in time. Please order again or choose another store.',
    },
    'zh-CN': { title: '订单 {orderNo}：商家未连接', body: '订单未能及时送达商家，请重新下单或选择其他商家。' },
  },
  'order.not_answered.customer': {
    en: {
      title: 'Order {orderNo}: no answer',
      body: 'The store did not answer in time. Please order again or choose another store.',
    },
    'zh-CN': { title: '订单 {orderNo}：商家未答复', body: '商家未在规定时间内答复，请重新下单或选择其他商家。' },
  },
  'order.closed.merchant': {
    en: { title: 'Order {orderNo} closed', body: 'The order was not answered in time and is closed ({status}).' },
    'zh-CN': { title: '订单 {orderNo} 已关闭', body: '订单未在规定时间内处理，已关闭（{status}）。' },
  },
  'delivery.progress.customer': {
    en: { title: 'Order {orderNo}: {step}', body: '{detail}' },
    'zh-CN': { title: '订单 {orderNo}：{step}', body: '{detail}' },
  },
  'delivery.progress.merchant': {
    en: { title: 'Order {orderNo}: {step}', body: '{detail}' },
    'zh-CN': { title: '订单 {orderNo}：{step}', body: '{detail}' },
  },
  'order.assigned.rider': {
    en: { title: 'New delivery {orderNo}', body: 'Pick up at store {storeId}; deliver to {address} ({region}).' },
    'zh-CN': { title: '新配送单 {orderNo}', body: '到店 {storeId} 取货，送至 {address}（{region}）。' },
  },
  'order.unassigned.rider': {
    en: { title: 'Delivery {orderNo} reassigned', body: 'This order went to another delivery terminal.' },
    'zh-CN': { title: '配送单 {orderNo} 已改派', body: '该订单已改由其他配送终端处理。' },
  },
  'order.awaiting-rider.merchant': {
    en: {
      title: 'Order {orderNo}: waiting for a rider',
      body: 'No delivery terminal can take the order yet; it is offered again until one does.',
    },
    'zh-CN': { title: '订单 {orderNo}：等待骑手接单', body: '暂无配送终端可接此单，系统将持续派单，直到有骑手接单。' },
  },
  'order.stocking.success': {
    en: { title: 'Order {orderNo} stocked', body: 'Everything for the order is ready for delivery.' },
    'zh-CN': { title: '订单 {orderNo} 备货成功', body: '订单商品已备齐，等待配送。' },
  },
  'order.stocking.failure': {
    en: { title: 'Order {orderNo}: stocking failed', body: '{reason}' },
    'zh-CN': { title: '订单 {orderNo}：备货失败', body: '{reason}' },
  },
  ...sharingTemplates,
  'media.attached.customer': {
    en: { title: 'Order {orderNo}: {step}', body: '{caption}' },
    'zh-CN': { title: '订单 {orderNo}：{step}', body: '{caption}' },
  },
} as const satisfies Record<string, Record<Locale, Text>>;

export type TemplateKey = keyof typeof templates;

/** The words for each delivery step, for the progress templates: a status's own label (`orderStatusLabels`), and what it means for the customer. */
export const deliverySteps = {
  rider_took: {
    step: orderStatusLabels.rider_took,
    detail: { en: 'A rider took the order and is heading to the store.', 'zh-CN': '骑手已接单，正在前往商家。' },
  },
  rider_at_store: {
    step: orderStatusLabels.rider_at_store,
    detail: { en: 'The rider has arrived at the store.', 'zh-CN': '骑手已到达商家。' },
  },
  picked_up: {
    step: orderStatusLabels.picked_up,
    detail: { en: 'The rider picked up the order and is on the way.', 'zh-CN': '骑手已取货，正在配送途中。' },
  },
  delivered: {
    step: orderStatusLabels.delivered,
    detail: { en: 'The order has been delivered.', 'zh-CN': '订单已送达。' },
  },
  assigned: {
    step: { en: 'rider assigned', 'zh-CN': '已分配骑手' },
    detail: { en: 'A delivery terminal will bring your order.', 'zh-CN': '已为您的订单分配配送终端。' },
  },
} as const satisfies Record<string, Record<'step' | 'detail', Record<Locale, string>>>;

/** A param is the same in every locale (an order number, a reason someone typed) or given per locale. */
export type Param = string | Readonly<Record<Locale, string>>;

/** Fills a template, without the characters XML cannot hold; a `{name}` without a param is an error in the route that chose it. */
export function render(template: TemplateKey, locale: Locale, params: Readonly<Record<string, Param>>): Text {
  const text = templates[template][locale];
  const fill = (s: string) =>
    s.replace(/\{(\w+)\}/g, (_, name: string) => {
      const value = params[name];
      if (value === undefined) throw new Error(`template ${template} needs param ${name}`);
      return typeof value === 'string' ? value : value[locale];
    });
  // Params are what people typed; what XML cannot hold never reaches a terminal's page or a push.
  return { title: xmlSafe(fill(text.title)), body: xmlSafe(fill(text.body)) };
}
