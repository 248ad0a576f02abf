import { failureKind, isTransient } from '@orderpulse/kafka';
import { AppError, CONFLICT_TRIES, ConflictStorm, LOST_RACE, retryOnConflict } from '@orderpulse/service-kit';

describe('retryOnConflict', () => {
  it('decides again after each lost race and returns the first outcome that is not one', async () => {
    const tries: number[] = [];
    const outcome = await retryOnConflict('order o-1', async (tryNumber) => {
      tries.push(tryNumber);
      return tryNumber < 3 ? LOST_RACE : `written on try ${tryNumber}`;
    });
    expect(outcome).toBe('written on try 3');
    expect(tries).toEqual([1, 2, 3]);
  });

  it('returns undefined and falsy outcomes as they are: only LOST_RACE means try again', async () => {
    expect(await retryOnConflict('order o-1', async () => undefined)).toBeUndefined();
    expect(await retryOnConflict('order o-1', async () => 0)).toBe(0);
  });

  it('gives up after its tries with a retryable UNAVAILABLE that names the entity', async () => {
    let count = 0;
    const error = await retryOnConflict('order o-1', async () => {
      count += 1;
      return LOST_RACE;
    }).catch((e: unknown) => e);
    expect(count).toBe(CONFLICT_TRIES);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('UNAVAILABLE');
    expect((error as AppError).retryable).toBe(true);
    expect((error as AppError).message).toContain('order o-1');
    // A consumer holds the partition and a job waits, rather than dead-letter what time will settle.
    expect(error).toBeInstanceOf(ConflictStorm);
    expect(failureKind(error)).toBe('transient');
    expect(isTransient(error)).toBe(true);
  });

  it('ends at the first attempt that throws, with its error', async () => {
    let count = 0;
    await expect(
      retryOnConflict(
        'case c-1',
        async () => {
          count += 1;
          throw new AppError('NOT_FOUND', 'no such case');
        },
        5,
      ),
    ).rejects.toThrow('no such case');
    expect(count).toBe(1);
  });
});
