import { AppError } from './errors';

/** What an attempt of {@link retryOnConflict} returns when a concurrent writer got there first. */
export const LOST_RACE: unique symbol = Symbol('lost race');

/** How many times a change is decided again after losing a race before the caller is told to retry. */
export const CONFLICT_TRIES = 20;

/**
 * Optimistic concurrency's loop, once for every service: runs `attempt` (read the entity, decide,
 * write guarded by the version read) until it returns anything but {@link LOST_RACE}, at most
 * `tries` times. Each attempt reads afresh, so the change is decided again from what the winner
 * wrote; an attempt that throws ends the loop with its error.
 *
 * @param what - the entity, for the error (`order ord_1`).
 * @throws AppError `UNAVAILABLE` (HTTP 503 with Retry-After, a transient failure for a consumer or a
 *   job) when every attempt lost: the entity changes faster than it can be decided on.
 */
export async function retryOnConflict<T>(
  what: string,
  attempt: (tryNumber: number) => Promise<T | typeof LOST_RACE>,
  tries = CONFLICT_TRIES,
): Promise<T> {
  for (let tryNumber = 1; tryNumber <= tries; tryNumber += 1) {
    const outcome = await attempt(tryNumber);
    if (outcome !== LOST_RACE) return outcome;
  }
  throw new AppError('UNAVAILABLE', `${what} is changing too fast; try again`);
}
