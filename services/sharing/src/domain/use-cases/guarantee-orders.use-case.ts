import { createHash } from 'node:crypto';

import { AppError, type TenantId } from '@orderpulse/service-kit';

import { type Actor, canView, type GuaranteeOrder, typeRankOf } from '../guarantee-order';
import type { SharingPorts } from './ports';

export interface RecordOrderInput {
  orgId: TenantId;
  ownerId: string;
  reference: string;
  orderType: string;
  title: string;
  details?: string | undefined;
  effectiveAt?: Date | undefined;
}

/** The id of an organisation's order: the same reference always maps to the same order. */
export function guaranteeOrderId(orgId: string, reference: string): string {
  return `go_${createHash('sha256').update(`${orgId}\n${reference}`).digest('hex').slice(0, 24)}`;
}

/**
 * Records a guarantee order that has taken effect, for the member who holds it. Idempotent by
 * the organisation's reference: recording it again answers with the order as it is, while the
 * same reference for another member is refused.
 */
export async function recordOrder(
  ports: SharingPorts,
  input: RecordOrderInput,
): Promise<{ created: boolean; order: GuaranteeOrder }> {
  const org = await ports.organisations.organisation(input.orgId);
  if (!org?.active) throw AppError.notFound(`organisation ${input.orgId}`);
  const owner = await ports.organisations.member(input.orgId, input.ownerId);
  if (!owner?.active)
    throw new AppError('UNPROCESSABLE', `${input.ownerId} is not an active member of ${input.orgId}`, {
      reason: 'owner_not_member',
    });
  const now = ports.clock();
  const order: GuaranteeOrder = {
    orderId: guaranteeOrderId(input.orgId, input.reference),
    orgId: input.orgId,
    ownerId: input.ownerId,
    reference: input.reference,
    orderType: input.orderType,
    typeRank: typeRankOf(ports.settings.typePriority, input.orderType),
    title: input.title,
    details: input.details,
    locale: org.locale,
    effectiveAt: input.effectiveAt ?? now,
    recordedAt: now,
    status: 'active',
    version: 1,
    shareCount: 0,
    shares: [],
    history: [{ at: now, by: input.ownerId, action: 'record' }],
  };
  const stored = await ports.orders.insert(order, []);
  if (!stored.created && stored.order.ownerId !== input.ownerId) {
    throw AppError.conflict(`reference ${input.reference} is already recorded for another member`, {
      reason: 'reference_taken',
      orderId: stored.order.orderId,
    });
  }
  return stored;
}

/**
 * An order as the acting member may see it, by its own id or by the id of one of its second
 * orders. A second order the member may not see is reported missing, so ids cannot be probed;
 * another organisation's orders are never even read, because every lookup names the tenant.
 */
export async function orderForMember(
  ports: SharingPorts,
  acting: Actor,
  id: string,
): Promise<{ order: GuaranteeOrder; viewedAs: string }> {
  const original = await ports.orders.get(acting.orgId, id);
  if (original) return { order: original, viewedAs: id };
  const linked = await ports.orders.bySecondOrder(acting.orgId, id);
  if (linked && canView(linked, acting, id)) return { order: linked, viewedAs: id };
  throw AppError.notFound(`order ${id}`);
}
