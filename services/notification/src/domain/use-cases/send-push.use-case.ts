import { setTimeout as delay } from 'node:timers/promises';

import type { JobContext } from '@orderpulse/jobs';
import { AppError } from '@orderpulse/service-kit';

import type { Attempt, PushStatus } from '../delivery';
import type { NotificationPorts, PushJob } from './ports';

/** A gateway answer the log could not take yet (its database was away): kept with the job until it can. */
interface HeldAnswer {
  key: string;
  attempt: number;
  outcome: TryOutcome;
  status: PushStatus;
}

/** A try's outcome as the sender records it; `at` when the try's time is only known now (see `claimTry`). */
type TryOutcome = Omit<Attempt, 'attempt' | 'at'> & { at?: Date };

function heldAnswerOf(progress: unknown): HeldAnswer | undefined {
  const held = (progress as { heldAnswer?: HeldAnswer } | undefined)?.heldAnswer;
  // Saved with the job as JSON: its time comes back as a string.
  return held?.outcome.at ? { ...held, outcome: { ...held.outcome, at: new Date(held.outcome.at) } } : held;
}

/** Pause between two writes of a held answer; each write already waits for the database as long as the driver's server selection allows. */
const HOLD_PAUSE_MS = 250;

/**
 * Writes a gateway answer, holding it in hand until the push log takes it. When the first
 * write fails it is also saved with the job (for a retry on another instance, should this one
 * die), then written again and again: the driver's server selection waits for the database, so the write lands moments after
 * it returns — before the push reconciler, which needs several reads first, could take the push
 * for lost. Held in hand, the answer survives a Redis loss during the outage too. Only an
 * outage is waited out (`ports.isTransient`); any other error is thrown at once. A stopping
 * worker gives up the wait: the job goes back to the queue with the saved answer, no try spent.
 */
async function settleHeld(
  ports: NotificationPorts,
  held: HeldAnswer,
  context: Pick<JobContext, 'saveProgress' | 'signal'>,
): Promise<void> {
  for (let tries = 0; ; tries += 1) {
    try {
      await ports.log.settle(held.key, held.attempt, held.outcome, held.status);
      return;
    } catch (error) {
      if (!ports.isTransient(error) || context.signal.aborted) throw error;
      // Not awaited: with Redis away too it would wait as long, and the database may be back first.
      if (tries === 0) void context.saveProgress({ heldAnswer: held }).catch(() => undefined);
    }
    await delay(HOLD_PAUSE_MS, undefined, { signal: context.signal });
  }
}

/**
 * The try this run makes, or undefined when the push is not this run's to send. A push opened
 * with its first try (`job.firstTry`) is this job's on its first run: no claim, and the try's
 * time, recorded as the opening's, is set to this run's with its outcome (`at`). On a later run
 * (after a hold or a give-back, the earlier run has ended) that try, if still `sending`, is its
 * own and is taken over at once; after a stall an earlier run may still be at the gateway, so
 * as for any other job a try still `sending` within the push timeout is left to its sender.
 * The first run trusts Redis's count of runs: a Redis that lost its last writes (AOF `everysec`)
 * can run a job that finished in them again, sending its push twice under one key.
 */
function claimTry(
  ports: NotificationPorts,
  job: PushJob,
  context: Pick<JobContext, 'started' | 'stalls'>,
  at: Date,
): Promise<{ attempt: number; at?: Date } | undefined> {
  if (job.firstTry !== undefined && context.started === 1) return Promise.resolve({ attempt: 1, at });
  const ownsTry = job.firstTry !== undefined && context.stalls === 0;
  return ports.log.claim(job.key, at, ownsTry ? 0 : ports.pushTimeoutMs);
}

/**
 * Sends one push and records the try: first as `sending`, before the request leaves (with the
 * push's opening for its first try, by a claim for any other; so a retry after a crash or a
 * database outage knows it is a retry, and every call the gateway got is in the log), then its
 * outcome. Delivered, refused and invalid-token pushes end here (the device is removed for an
 * invalid token); a gateway fault is thrown to be retried with backoff until the tries run out.
 * A time-bound push whose deadline has passed is not sent (`expired`); one still in time carries
 * the time left, not a fresh lifetime. A push already finished — its job ran again after a crash, or was queued again by a
 * redelivered event or the reconciler — is not sent again. A gateway answer the log cannot
 * take (its database is away) is held until it can (see `settleHeld`), and a retry of a job that
 * saved one writes it instead of sending again: a push the gateway answered reaches it once.
 */
export async function sendPush(
  ports: NotificationPorts,
  job: PushJob,
  context: Pick<JobContext, 'attempt' | 'started' | 'stalls' | 'progress' | 'saveProgress' | 'signal'>,
): Promise<void> {
  const held = heldAnswerOf(context.progress);
  if (held) {
    await settleHeld(ports, held, context);
    return;
  }
  const { attempt } = context;
  // One moment for the try's record and its deadline check: a push logged as tried before its deadline was sent.
  const triedAt = ports.clock();
  const claimed = await claimTry(ports, job, context, triedAt);
  if (!claimed) return;
  const tried = claimed.attempt;
  const when = claimed.at ? { at: claimed.at } : {};
  const expiresAt = job.expiresAt ? new Date(job.expiresAt) : undefined;
  if (expiresAt && expiresAt.getTime() <= triedAt.getTime()) {
    // A retry after the deadline would tell a phone to answer an order already ruled.
    await ports.log.settle(
      job.key,
      tried,
      { ...when, outcome: 'expired', error: `its deadline ${job.expiresAt} passed before it could be sent`, ms: 0 },
      'expired',
    );
    return;
  }
  const app = await ports.registry.app(job.appCode);
  const provider = app ? ports.providers.get(app.provider) : undefined;
  const started = ports.clock();
  if (!app || !provider) {
    await ports.log.settle(
      job.key,
      tried,
      { ...when, outcome: 'rejected', error: `app ${job.appCode} is no longer registered`, ms: 0 },
      'rejected',
    );
    return;
  }
  const result = await provider.send({
    app,
    platform: job.platform,
    token: job.token,
    title: job.title,
    body: job.body,
    data: { ...job.data, idempotencyKey: job.key },
    idempotencyKey: job.key,
    ...(expiresAt ? { expiresAt, sentAt: started } : {}),
  });
  const ms = ports.clock().getTime() - started.getTime();
  const base = { ...when, ms, ...(result.httpStatus !== undefined ? { httpStatus: result.httpStatus } : {}) };
  const answer = (outcome: HeldAnswer['outcome'], status: PushStatus) =>
    settleHeld(ports, { key: job.key, attempt: tried, outcome, status }, context);
  switch (result.kind) {
    case 'delivered':
      await answer({ ...base, outcome: 'delivered' }, 'delivered');
      return;
    case 'token_invalid':
      // The answer first: a prune that fails (its database away) must not make the retry send again.
      await answer({ ...base, outcome: 'token_invalid', error: result.error }, 'token_invalid');
      await ports.registry.prune(job.recipient, job.installationId, job.token);
      return;
    case 'rejected':
      await answer({ ...base, outcome: 'rejected', error: result.error }, 'rejected');
      return;
    case 'retry': {
      const last = attempt >= ports.pushAttempts;
      await ports.log.settle(
        job.key,
        tried,
        { ...base, outcome: 'retry', error: result.error },
        last ? 'failed' : 'pending',
      );
      if (!last) throw new AppError('UNAVAILABLE', `push gateway: ${result.error}`);
    }
  }
}
