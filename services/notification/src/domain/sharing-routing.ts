import type {
  EventData,
  GuaranteeOrderProcessed,
  ShareClaimed,
  ShareDeclined,
  ShareExpired,
  ShareOffered,
  ShareRevoked,
  ShareSnapshot,
} from '@orderpulse/contracts';

import { member } from './recipients';
import type { Notice } from './routing';
import { outcomes } from './sharing-templates';
import type { Param, TemplateKey } from './templates';

/** The sharing events the notification service routes, by their type. */
export type SharingRoutedEvent =
  | { type: 'share.offered'; data: EventData<typeof ShareOffered> }
  | { type: 'share.claimed'; data: EventData<typeof ShareClaimed> }
  | { type: 'share.expired'; data: EventData<typeof ShareExpired> }
  | { type: 'share.revoked'; data: EventData<typeof ShareRevoked> }
  | { type: 'share.declined'; data: EventData<typeof ShareDeclined> }
  | { type: 'guarantee-order.processed'; data: EventData<typeof GuaranteeOrderProcessed> };

const sharingTypes: ReadonlySet<string> = new Set([
  'share.offered',
  'share.claimed',
  'share.expired',
  'share.revoked',
  'share.declined',
  'guarantee-order.processed',
]);

export function isSharingEvent(event: { type: string }): event is SharingRoutedEvent {
  return sharingTypes.has(event.type);
}

function minutesLeft(s: ShareSnapshot): string {
  return String(Math.max(0, Math.ceil((Date.parse(s.claimDeadline) - Date.parse(s.serverTime)) / 60_000)));
}

/**
 * A notice to one member of the event's organisation (member ids are unique only within one). `orderId` is the order as that member holds it: the original for
 * the owner, the second order for the member it was shared with, so a tap opens the right one.
 */
function toMember(
  orgId: string,
  memberId: string,
  orderId: string,
  status: string,
  template: TemplateKey,
  locale: Notice['locale'],
  params: Record<string, Param>,
): Notice {
  return { recipient: member(orgId, memberId), category: 'sharing', template, params, orderId, status, locale };
}

/**
 * Who is told what about a share (seed 004): the target that a share waits for it, was
 * withdrawn or ran out; the owner that it was claimed, declined or ran out; and, once a result settles
 * the order, the owner and every member holding a claimed second order. Pure.
 */
export function sharingNoticesFor(event: SharingRoutedEvent): Notice[] {
  if (event.type === 'guarantee-order.processed') {
    const p = event.data;
    const params = { orderNo: p.reference, outcome: outcomes[p.status], by: p.by.memberId, note: p.note ?? p.title };
    return [
      toMember(p.orgId, p.ownerId, p.orderId, p.status, 'guarantee.processed.member', p.locale, params),
      ...p.linked.map((l) =>
        toMember(p.orgId, l.memberId, l.orderId, p.status, 'guarantee.processed.member', p.locale, params),
      ),
    ];
  }
  const s = event.data;
  const params = { orderNo: s.reference, title: s.title, owner: s.ownerId, target: s.targetId };
  switch (event.type) {
    case 'share.offered':
      return [
        {
          ...toMember(s.orgId, s.targetId, s.shareId, s.shareStatus, 'share.offered.member', s.locale, {
            ...params,
            minutes: minutesLeft(s),
          }),
          countdown: { deadline: s.claimDeadline, serverTime: s.serverTime },
        },
      ];
    case 'share.claimed':
      return [
        toMember(s.orgId, s.ownerId, s.orderId, s.shareStatus, 'share.claimed.owner', s.locale, {
          ...params,
          count: String(s.shareCount),
          max: String(s.maxShares),
        }),
      ];
    case 'share.expired':
      return [
        toMember(s.orgId, s.ownerId, s.orderId, s.shareStatus, 'share.expired.owner', s.locale, params),
        toMember(s.orgId, s.targetId, s.shareId, s.shareStatus, 'share.expired.member', s.locale, params),
      ];
    case 'share.revoked':
      return [toMember(s.orgId, s.targetId, s.shareId, s.shareStatus, 'share.revoked.member', s.locale, params)];
    case 'share.declined':
      return [toMember(s.orgId, s.ownerId, s.orderId, s.shareStatus, 'share.declined.owner', s.locale, params)];
  }
}
