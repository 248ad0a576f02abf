import { AppError, LOST_RACE, retryOnConflict } from '@orderpulse/service-kit';

import { type Actor, type GuaranteeOrder, orderView } from '../guarantee-order';
import type { Refusal } from '../share-rules';

/** A refused action as the one error type: its reason, and the order as it stands now. */
export function refusal(
  decision: Refusal,
  order: GuaranteeOrder,
  viewedAs: string,
  acting: Actor,
  now: Date,
  maxShares: number,
): AppError {
  return new AppError(decision.code, decision.message, {
    reason: decision.reason,
    orderStatus: order.status,
    version: order.version,
    current: orderView(order, viewedAs, acting, now, maxShares),
  });
}

/**
 * How often a share's write that lost a version race is decided again before giving up: more than
 * `retryOnConflict`'s default, because every member of an organisation may race for one share.
 */
const TRIES = 200;

/**
 * Runs a read–decide–write until its version-guarded write lands (`retryOnConflict`): `attempt`
 * returns undefined when another change got there first, and is then run again on the order as it
 * is now. This is what makes racing claims and results safe across any number of instances.
 */
export async function untilWritten<T>(attempt: () => Promise<T | undefined>): Promise<T> {
  return retryOnConflict('the guarantee order', async () => (await attempt()) ?? LOST_RACE, TRIES);
}
