import type { Locale } from '@orderpulse/contracts';

type Text = { title: string; body: string };

/**
 * The messages of guarantee-order sharing (seed 004), per locale; `templates` takes them in
 * with the order messages. `{orderNo}` is the organisation's own reference for the order.
 */
export const sharingTemplates = {
  'share.offered.member': {
    en: {
      title: 'Order {orderNo} shared with you',
      body: '{owner} shared "{title}" with you. Claim it within {minutes} min.',
    },
    'zh-CN': { title: '订单 {orderNo} 已共享给您', body: '{owner} 向您共享了“{title}”，请在{minutes}分钟内领取。' },
  },
  'share.claimed.owner': {
    en: {
      title: 'Order {orderNo} claimed',
      body: '{target} claimed your shared order; it is now shared with {count} of at most {max}.',
    },
    'zh-CN': { title: '订单 {orderNo} 已被领取', body: '{target} 已领取您共享的订单，当前共享 {count}/{max} 人。' },
  },
  'share.expired.owner': {
    en: { title: 'Share of {orderNo} expired', body: '{target} did not claim the order in time; the share is closed.' },
    'zh-CN': { title: '订单 {orderNo} 共享已过期', body: '{target} 未在规定时间内领取，本次共享已关闭。' },
  },
  'share.expired.member': {
    en: { title: 'Shared order {orderNo} expired', body: 'The claim window for "{title}" has closed.' },
    'zh-CN': { title: '共享订单 {orderNo} 已过期', body: '“{title}”的领取时间已过。' },
  },
  'share.declined.owner': {
    en: {
      title: 'Share of {orderNo} declined',
      body: '{target} declined the shared order; you may share it with someone else.',
    },
    'zh-CN': { title: '订单 {orderNo} 共享被拒绝', body: '{target} 拒绝了您共享的订单，您可以共享给其他成员。' },
  },
  'share.revoked.member': {
    en: { title: 'Shared order {orderNo} withdrawn', body: '{owner} withdrew the share of "{title}".' },
    'zh-CN': { title: '共享订单 {orderNo} 已撤回', body: '{owner} 撤回了“{title}”的共享。' },
  },
  'guarantee.processed.member': {
    en: { title: 'Order {orderNo} {outcome}', body: '{by} recorded the result: {note}' },
    'zh-CN': { title: '订单 {orderNo} {outcome}', body: '{by} 已登记处理结果：{note}' },
  },
} as const satisfies Record<string, Record<Locale, Text>>;

/** The words for each processing outcome. */
export const outcomes = {
  completed: { en: 'completed', 'zh-CN': '已完成' },
  rejected: { en: 'rejected', 'zh-CN': '已拒绝' },
  cancelled: { en: 'cancelled', 'zh-CN': '已取消' },
} as const satisfies Record<string, Record<Locale, string>>;
