import { TransientError } from '@orderpulse/kafka';

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
 * @throws {@link ConflictStorm} (an AppError `UNAVAILABLE`: HTTP 503 with Retry-After) when every attempt
 *   lost: the entity changes faster than it can be decided on. Its `cause` is a `TransientError`, so a
 *   consumer holds the partition and a job worker waits without spending a try (`failureKind`
 *   follows the cause), rather than dead-letter what time alone will settle.
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
  throw new ConflictStorm(what);
}

/** Every attempt of {@link retryOnConflict} lost a race: try again later. */
export class ConflictStorm extends AppError {
  constructor(what: string) {
    super('UNAVAILABLE', `${what} is changing too fast; try again`);
    this.name = 'ConflictStorm';
    Object.defineProperty(this, 'cause', {
      value: new TransientError(`${what}: ${CONFLICT_TRIES} writes lost to others`),
      enumerable: false,
    });
  }
}

/**
 * For a pass over many entities (a reconciler): the outcome of `work`, or `undefined` when its
 * entity is in a {@link ConflictStorm}, so one entity that keeps changing does not end the pass
 * for the others; the next pass takes it up again. Any other error is thrown as it is.
 */
export async function unlessBusy<T>(work: Promise<T>): Promise<T | undefined> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof ConflictStorm) return undefined;
    throw error;
  }
}
