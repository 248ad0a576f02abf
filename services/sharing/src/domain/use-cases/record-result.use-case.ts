import { GuaranteeOrderProcessed, type GuaranteeOrderStatus, newEvent } from '@orderpulse/contracts';

import type { Actor, GuaranteeOrder, HistoryEntry, Share } from '../guarantee-order';
import { shareStep } from '../share-lifecycle';
import { decideResult } from '../share-rules';
import { orderForMember } from './guarantee-orders.use-case';
import { claimExpiryJobId, type SharingPorts } from './ports';
import { refusal, untilWritten } from './write-guarantee-order.use-case';

export interface ResultInput {
  status: Exclude<GuaranteeOrderStatus, 'active'>;
  note?: string | undefined;
}

/**
 * Records a processing result, on the original by its owner or on a second order by the member
 * who claimed it (seed 004). The status made from it is set once, on the original's document,
 * which every linked second order reads: both sides see it, and the event tells every member
 * holding one of them. Shares still waiting to be claimed are closed. Of two results at once
 * the first write wins; the second is refused with 409 and the order as the first left it.
 */
export async function recordResult(
  ports: SharingPorts,
  acting: Actor,
  onOrderId: string,
  input: ResultInput,
): Promise<{ order: GuaranteeOrder; viewedAs: string }> {
  const outcome = await untilWritten(async () => {
    const { order, viewedAs } = await orderForMember(ports, acting, onOrderId);
    const now = ports.clock();
    const decision = decideResult(order, viewedAs, acting.memberId, input, now);
    if (!decision.ok) throw refusal(decision, order, viewedAs, acting, now, ports.settings.maxShares);
    const closing = order.shares.filter((s) => s.status === 'pending');
    const shares: Share[] = order.shares.map((s) => (s.status === 'pending' ? shareStep(s, 'close', now) : s));
    const history: HistoryEntry[] = [
      {
        at: now,
        by: acting.memberId,
        action: 'process',
        ...(viewedAs === order.orderId ? {} : { shareId: viewedAs }),
        note: input.note ?? decision.result.status,
      },
      ...closing.map((s): HistoryEntry => ({ at: now, by: 'system', action: 'close', shareId: s.id })),
    ];
    const event = newEvent(GuaranteeOrderProcessed, {
      source: ports.settings.source,
      subject: order.orderId,
      data: {
        orgId: order.orgId,
        orderId: order.orderId,
        ownerId: order.ownerId,
        orderType: order.orderType,
        reference: order.reference,
        title: order.title,
        locale: order.locale,
        version: order.version + 1,
        status: decision.result.status,
        ...(decision.result.note ? { note: decision.result.note } : {}),
        by: decision.result.by,
        linked: shares.filter((s) => s.status === 'claimed').map((s) => ({ orderId: s.id, memberId: s.targetId })),
        processedAt: now.toISOString(),
      },
    });
    const updated = await ports.orders.update(
      order.orgId,
      order.orderId,
      order.version,
      { set: { status: decision.result.status, result: decision.result, shares }, history },
      [{ topic: ports.settings.sharingEventsTopic, event }],
    );
    if (!updated) return undefined;
    return { order: updated, viewedAs, closing };
  });
  for (const share of outcome.closing) await ports.timers.cancel(claimExpiryJobId(share.id)).catch(() => false);
  return { order: outcome.order, viewedAs: outcome.viewedAs };
}
