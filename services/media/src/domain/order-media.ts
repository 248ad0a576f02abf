import type { OrderSnapshot, OrderStatus } from '@orderpulse/contracts';
import { AppError, type Principal } from '@orderpulse/service-kit';

import type { MediaPolicy, Taker } from './media-policy';

/** What the media service knows of an order, from the order events it has read. */
export interface OrderFacts {
  merchantId: string;
  customerId: string;
  storeId: string;
  storeName?: string | undefined;
  locale: 'zh-CN' | 'en';
  /** The assigned delivery terminal (rider); only it may shoot the rider's photos. */
  terminalId?: string | undefined;
  /** The order's latest status and version seen: facts from an older event never overwrite newer ones. */
  status: OrderStatus;
  orderVersion: number;
  expectedDeliveryAt?: Date | undefined;
}

/** Where an upload grant stands. */
export type GrantState = 'issued' | 'confirming' | 'used';

/**
 * An upload grant's lifecycle, declared as orders' are: issued (a newer grant for the same status
 * replaces an unused one), held `confirming` while one confirmation checks the upload (held again
 * once a hold lapsed, its instance dead), `used` when its photo is attached or refused in the same
 * write, or back to `issued` when the check could not finish. A confirmation slower than its hold
 * may find its grant released by the one that took the hold over (`issued`): its checked photo is
 * still attached. Every state a grant is written with comes from here, through {@link grantStep}.
 */
export const grantTransitions: readonly { from: readonly (GrantState | null)[]; to: GrantState }[] = [
  { from: [null], to: 'issued' },
  { from: ['issued', 'confirming'], to: 'confirming' },
  { from: ['confirming'], to: 'issued' },
  { from: ['confirming', 'issued'], to: 'used' },
];

/**
 * The state a grant that is `from` (`null`: being issued) takes next, checked against
 * {@link grantTransitions}. Pure.
 *
 * @throws Error when the table does not allow it: a use case asking for a step its own checks
 *   should have ruled out, never the caller's input.
 */
export function grantStep(from: GrantState | null, to: GrantState): GrantState {
  if (grantTransitions.some((t) => t.to === to && t.from.includes(from))) return to;
  throw new Error(`an upload grant that is ${from ?? 'new'} cannot become ${to}`);
}

/** A presigned upload handed to the merchant or rider, good for one confirmation. */
export interface Grant {
  grantId: string;
  issuedTo: { role: Taker; subject: string };
  key: string;
  contentType: UploadType;
  bytes: number;
  issuedAt: Date;
  expiresAt: Date;
  /** Where the grant stands in its lifecycle ({@link grantTransitions}). */
  state: GrantState;
  /** While `confirming`: when the confirmation's hold lapses, so a confirmation whose instance died can be made again. */
  confirmingUntil?: Date | undefined;
}

/** An image attached to a status: a verified photo, or a synthesized image (maybe as a photo's fallback). */
export interface AttachedMedia {
  mediaId: string;
  source: 'photo' | 'synthesized';
  fallback: boolean;
  takenBy?: { role: Taker; subject: string } | undefined;
  key: string;
  thumbnailKey: string;
  /** The SVG a synthesized image was rendered from, kept so its text can be read back. */
  sourceKey?: string | undefined;
  contentType: UploadType;
  width: number;
  height: number;
  bytes: number;
  attachedAt: Date;
}

/** One status of one order that is to be shown with an image. */
export interface Slot {
  status: OrderStatus;
  kind: 'photo' | 'synthesized';
  takenBy?: Taker | undefined;
  reachedAt: Date;
  /** When the image is due: at once for a synthesized one, after the grace period for a photo. */
  dueAt: Date;
  grant?: Grant | undefined;
  rejections: { at: Date; grantId: string; reason: string }[];
  media?: AttachedMedia | undefined;
}

/** The media service's aggregate: one document per order, every change guarded by `version`. */
export interface OrderMedia {
  orderId: string;
  version: number;
  facts: OrderFacts;
  slots: Partial<Record<OrderStatus, Slot>>;
}

/** The image types a phone may upload; each is also a type sharp decodes without optional codecs. */
export const uploadTypes = ['image/jpeg', 'image/png', 'image/webp'] as const;
export type UploadType = (typeof uploadTypes)[number];

export type Actor = Pick<Principal, 'role' | 'subject' | 'tenant'>;

/** The job id of a slot's due timer: one per order and status, so scheduling it again changes nothing. */
export function dueJobId(orderId: string, status: OrderStatus): string {
  const safe = /^[A-Za-z0-9_.-]{1,150}$/.test(orderId)
    ? orderId
    : Buffer.from(orderId, 'utf8').toString('hex').slice(0, 150);
  return `media-due.${safe}.${status}`;
}

/**
 * Takes in an order event's snapshot: newer facts replace older ones, and a status the policy
 * gives an image gets its slot the first time it is seen. Returns undefined when the event
 * changes nothing (a redelivery, an older event), which is what makes consuming idempotent.
 */
export function absorbSnapshot(
  current: OrderMedia | undefined,
  snapshot: OrderSnapshot & { expectedDeliveryAt?: string | undefined },
  at: Date,
  policy: MediaPolicy,
  graceSeconds: number,
): OrderMedia | undefined {
  const base: OrderMedia = current ?? { orderId: snapshot.orderId, version: 0, facts: factsOf(snapshot), slots: {} };
  let changed = current === undefined;
  let facts = base.facts;
  if (current && snapshot.version > current.facts.orderVersion) {
    facts = {
      ...factsOf(snapshot),
      terminalId: snapshot.terminalId ?? current.facts.terminalId,
      storeName: snapshot.storeName ?? current.facts.storeName,
      expectedDeliveryAt: snapshot.expectedDeliveryAt
        ? new Date(snapshot.expectedDeliveryAt)
        : current.facts.expectedDeliveryAt,
    };
    changed = true;
  }
  const slots = { ...base.slots };
  const wanted = policy[snapshot.status];
  if (wanted && !slots[snapshot.status]) {
    const photo = wanted.kind === 'photo';
    slots[snapshot.status] = {
      status: snapshot.status,
      kind: wanted.kind,
      ...(photo ? { takenBy: wanted.takenBy } : {}),
      reachedAt: at,
      dueAt: photo ? new Date(at.getTime() + graceSeconds * 1_000) : at,
      rejections: [],
    };
    changed = true;
  }
  return changed ? { ...base, facts, slots } : undefined;
}

function factsOf(s: OrderSnapshot & { expectedDeliveryAt?: string | undefined }): OrderFacts {
  return {
    merchantId: s.merchantId,
    customerId: s.customerId,
    storeId: s.storeId,
    storeName: s.storeName,
    locale: s.locale,
    terminalId: s.terminalId,
    status: s.status,
    orderVersion: s.version,
    expectedDeliveryAt: s.expectedDeliveryAt ? new Date(s.expectedDeliveryAt) : undefined,
  };
}

/** Whether the actor is the one the slot's photo is for: the order's merchant, or its assigned rider. */
function isTaker(order: OrderMedia, takenBy: Taker, actor: Actor): boolean {
  if (takenBy === 'merchant') return actor.role === 'merchant' && actor.tenant === order.facts.merchantId;
  return actor.role === 'rider' && order.facts.terminalId !== undefined && actor.subject === order.facts.terminalId;
}

/**
 * May the actor have an upload grant for this status now? Only the status's taker, only for a
 * photo status the order has reached, only while no image is attached and the grace period runs.
 */
export function checkGrant(
  order: OrderMedia,
  status: OrderStatus,
  actor: Actor,
  now: Date,
  policy: MediaPolicy,
): Slot & { takenBy: Taker } {
  const wanted = policy[status];
  if (!wanted || wanted.kind !== 'photo')
    throw new AppError('UNPROCESSABLE', `status ${status} takes no real-shot photo`, { orderStatus: status });
  if (!isTaker(order, wanted.takenBy, actor))
    throw AppError.forbidden(
      `only the order's ${wanted.takenBy === 'merchant' ? 'merchant' : 'assigned rider'} shoots the ${status} photo`,
    );
  const slot = order.slots[status];
  if (!slot) throw AppError.conflict(`order ${order.orderId} has not reached ${status} yet`, { orderStatus: status });
  if (slot.media)
    throw new AppError(
      'WINDOW_CLOSED',
      slot.media.fallback
        ? `the ${status} photo did not come in time; a synthesized image stands in`
        : `the ${status} photo is already attached`,
      { orderStatus: status },
    );
  if (now.getTime() > slot.dueAt.getTime())
    throw new AppError('WINDOW_CLOSED', `the time for the ${status} photo ended at ${slot.dueAt.toISOString()}`, {
      orderStatus: status,
    });
  return { ...slot, takenBy: wanted.takenBy };
}

/**
 * May the actor confirm this grant now? It must be the current grant of the status, unused,
 * confirmed by whoever it was issued to, and confirmed within `confirmGraceMs` of its expiry
 * (an upload started just before expiry may end just after).
 */
export function checkConfirm(
  order: OrderMedia,
  status: OrderStatus,
  grantId: string,
  actor: Actor,
  now: Date,
  confirmGraceMs: number,
): { slot: Slot; grant: Grant } {
  const slot = order.slots[status];
  const grant = slot?.grant;
  if (!slot || !grant || grant.grantId !== grantId) throw AppError.notFound('upload grant', { grantId });
  if (
    grant.issuedTo.subject !== actor.subject ||
    grant.issuedTo.role !== actor.role ||
    !isTaker(order, grant.issuedTo.role, actor)
  ) {
    throw AppError.forbidden('this grant was issued to someone else');
  }
  if (grant.state === 'used') throw AppError.conflict('this grant has already been used', { grantId });
  if (grant.state === 'confirming' && grant.confirmingUntil && grant.confirmingUntil.getTime() > now.getTime()) {
    throw AppError.conflict('this upload is being checked; ask again in a moment', { grantId });
  }
  if (slot.media)
    throw new AppError('WINDOW_CLOSED', `the ${status} image is already attached`, { orderStatus: status });
  if (now.getTime() > grant.expiresAt.getTime() + confirmGraceMs)
    throw new AppError('WINDOW_CLOSED', `the grant expired at ${grant.expiresAt.toISOString()}`, { grantId });
  return { slot, grant };
}

/** Who may see an order's images: its customer, its merchant, its assigned rider, admins. */
export function checkReader(order: OrderMedia, actor: Actor): void {
  const { facts } = order;
  const allowed =
    (actor.role === 'customer' && actor.subject === facts.customerId) ||
    (actor.role === 'merchant' && actor.tenant === facts.merchantId) ||
    (actor.role === 'rider' && facts.terminalId !== undefined && actor.subject === facts.terminalId) ||
    actor.role === 'admin';
  if (!allowed) throw AppError.forbidden("only the order's customer, merchant and rider see its images");
}

/** The slots whose image is still owed, for the due timers and the reconciler. */
export function owedSlots(order: OrderMedia): Slot[] {
  return Object.values(order.slots).filter((s): s is Slot => s !== undefined && !s.media);
}

/** When the earliest owed image falls due (undefined when none is owed): what a due pass is found by. */
export function owedBy(order: OrderMedia): Date | undefined {
  const times = owedSlots(order).map((s) => s.dueAt.getTime());
  return times.length > 0 ? new Date(Math.min(...times)) : undefined;
}
