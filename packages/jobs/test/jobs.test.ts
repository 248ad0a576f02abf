import { setTimeout as delay } from 'node:timers/promises';

import {
  type JobAgain,
  type JobContext,
  JobWorker,
  type JobWorkerOptions,
  Reconciler,
  RedisEpoch,
  TimerQueue,
} from '@orderpulse/jobs';
import { stackEnv, uniqueName, waitFor } from '@orderpulse/testkit';
import { Redis } from 'ioredis';

const connection = new Redis(stackEnv().REDIS_URL, { maxRetriesPerRequest: null });
const settings = { connection, prefix: uniqueName('jobs') };
const closers: (() => Promise<unknown>)[] = [];

function queue<T extends object>(
  retry: ConstructorParameters<typeof TimerQueue>[2] = { attempts: 3, backoffMs: 50 },
  retention?: ConstructorParameters<typeof TimerQueue>[3],
) {
  const q = new TimerQueue<T>(uniqueName('q'), settings, retry, retention);
  closers.push(() => q.close());
  return q;
}

async function worker<T extends object>(
  name: string,
  handle: (data: T, ctx: JobContext) => Promise<void | JobAgain>,
  options?: JobWorkerOptions,
) {
  const w = new JobWorker<T>(name, settings, handle, options);
  await w.start();
  closers.push(() => w.stop());
  return w;
}

afterAll(async () => {
  for (const close of closers.reverse()) await close();
  connection.disconnect();
});

describe('timers on BullMQ and the real Redis', () => {
  test('a timer runs at its time, not before, and once however often it was scheduled', async () => {
    const timers = queue<{ orderId: string }>();
    const ran: { at: number; orderId: string }[] = [];
    await worker<{ orderId: string }>(
      timers.name,
      async (data) => void ran.push({ at: Date.now(), orderId: data.orderId }),
    );
    const at = new Date(Date.now() + 400);
    await Promise.all([1, 2, 3].map(() => timers.scheduleAt('deadline.o-1.v1', at, { orderId: 'o-1' })));
    await waitFor(() => ran.length === 1, { what: 'the timer' });
    expect(ran[0]!.at).toBeGreaterThanOrEqual(at.getTime());
    await timers.scheduleAt('deadline.o-1.v1', new Date(), { orderId: 'o-1' });
    expect(await timers.has('deadline.o-1.v1')).toBe(true);
    await waitFor(async () => (await timers.pending()) === 0, { what: 'nothing pending' });
    expect(ran).toHaveLength(1);
  });

  test('a timer scheduled while no worker runs is worked when one starts: it lives in Redis, not in a process', async () => {
    const timers = queue<{ n: number }>();
    await timers.scheduleAt('expiry.1', new Date(Date.now() + 100), { n: 1 });
    expect(await timers.pending()).toBe(1);
    const ran: number[] = [];
    await worker<{ n: number }>(timers.name, async (data) => void ran.push(data.n));
    await waitFor(() => ran.length === 1, { what: 'the timer after the worker started' });
    expect(ran).toEqual([1]);
  });

  test('a failing job is retried with backoff, and one that says it cannot succeed is not', async () => {
    const timers = queue<{ kind: string }>();
    const attempts: Record<string, number[]> = { flaky: [], hopeless: [] };
    await worker<{ kind: string }>(timers.name, async (data, ctx) => {
      attempts[data.kind]!.push(ctx.attempt);
      if (data.kind === 'flaky' && ctx.attempt < 3) throw new Error('gateway timeout');
      if (data.kind === 'hopeless') throw Object.assign(new Error('order is gone'), { retryable: false });
    });
    await timers.scheduleAt('retry.flaky', new Date(), { kind: 'flaky' });
    await timers.scheduleAt('retry.hopeless', new Date(), { kind: 'hopeless' });
    await waitFor(() => attempts.flaky!.length === 3, { what: 'three tries of the flaky job' });
    await waitFor(async () => (await timers.pending()) === 0, { what: 'both jobs settled' });
    expect(attempts).toEqual({ flaky: [1, 2, 3], hopeless: [1] });
  });

  test('a timer that answers againAt runs again at that time, not before, and spends no try', async () => {
    const timers = queue<{ n: number }>({ attempts: 1, backoffMs: 50 });
    const runs: { at: number; attempt: number }[] = [];
    let again = 0;
    await worker<{ n: number }>(timers.name, async (_data, ctx) => {
      runs.push({ at: Date.now(), attempt: ctx.attempt });
      if (runs.length === 1) {
        again = Date.now() + 400;
        return { againAt: new Date(again) };
      }
      return undefined;
    });
    await timers.scheduleAt('deadline.early', new Date(), { n: 1 });
    await waitFor(() => runs.length === 2, { what: 'the second run' });
    expect(runs[1]!.at).toBeGreaterThanOrEqual(again);
    expect(runs.map((r) => r.attempt)).toEqual([1, 1]);
    await waitFor(async () => (await timers.pending()) === 0, { what: 'nothing pending' });
    expect(runs).toHaveLength(2);
  });

  test('retryFailed runs again every timer that failed for good, and counts them', async () => {
    const timers = queue<{ n: number }>({ attempts: 1, backoffMs: 50 });
    let healthy = false;
    const done: number[] = [];
    await worker<{ n: number }>(timers.name, async (data) => {
      if (!healthy) throw new Error('database away');
      done.push(data.n);
    });
    await Promise.all([1, 2, 3].map((n) => timers.scheduleAt(`deadline.failing-${n}`, new Date(), { n })));
    await waitFor(async () => (await timers.pending()) === 0, { what: 'every try spent' });
    expect(await timers.has('deadline.failing-1')).toBe(false);
    healthy = true;
    expect(await timers.retryFailed()).toBe(3);
    await waitFor(() => done.length === 3, { what: 'the three timers run again' });
    expect(done.sort()).toEqual([1, 2, 3]);
    expect(await timers.retryFailed()).toBe(0);
  });

  test('a retried timer gets its tries afresh; one that said it cannot succeed is not retried', async () => {
    const timers = queue<{ kind: string }>({ attempts: 2, backoffMs: 20 });
    const tries: Record<string, number[]> = { flaky: [], hopeless: [] };
    let healthy = false;
    await worker<{ kind: string }>(timers.name, async (data, ctx) => {
      tries[data.kind]!.push(ctx.attempt);
      if (data.kind === 'hopeless') throw Object.assign(new Error('order is gone'), { retryable: false });
      if (!healthy || ctx.attempt < 2) throw new Error('gateway timeout');
    });
    await timers.scheduleAt('deadline.flaky', new Date(), { kind: 'flaky' });
    await timers.scheduleAt('deadline.hopeless', new Date(), { kind: 'hopeless' });
    await waitFor(async () => (await timers.pending()) === 0 && tries.flaky!.length === 2, {
      what: 'both failed for good',
    });
    healthy = true;
    expect(await timers.retryFailed()).toBe(1);
    await waitFor(() => tries.flaky!.length === 4, { what: 'two fresh tries' });
    // Counted from 1 again: the retry failed its first fresh try and got a second.
    expect(tries.flaky).toEqual([1, 2, 1, 2]);
    expect(tries.hopeless).toEqual([1]);
  });

  test('a capped backoff doubles up to its cap and no further', async () => {
    const timers = queue<{ n: number }>({ attempts: 4, backoffMs: 100, maxBackoffMs: 150 });
    const tries: number[] = [];
    await worker<{ n: number }>(timers.name, async () => {
      tries.push(Date.now());
      throw new Error('database away');
    });
    await timers.scheduleAt('deadline.capped', new Date(), { n: 1 });
    await waitFor(() => tries.length === 4, { what: 'four tries' });
    const gaps = tries.slice(1).map((at, i) => at - tries[i]!);
    expect(gaps[0]).toBeGreaterThanOrEqual(100);
    expect(gaps[1]).toBeGreaterThanOrEqual(150);
    // Uncapped, the third backoff would be 400 ms.
    expect(gaps[2]).toBeGreaterThanOrEqual(150);
    expect(gaps[2]).toBeLessThan(400);
  });

  test('a dependency outage holds a job without spending a try: one try in all still gets through a long outage', async () => {
    const timers = queue<{ n: number }>({ attempts: 1, backoffMs: 50 });
    const seen: number[] = [];
    const runs: { started: number; stalls: number }[] = [];
    let away = 4;
    await worker<{ n: number }>(
      timers.name,
      async (_data, ctx) => {
        seen.push(ctx.attempt);
        runs.push({ started: ctx.started, stalls: ctx.stalls });
        if (away > 0) {
          away -= 1;
          throw Object.assign(new Error('MongoDB away'), { outage: true });
        }
      },
      { isTransient: (error) => (error as { outage?: boolean }).outage === true, maxHoldMs: 100 },
    );
    await timers.scheduleAt('deadline.outage', new Date(), { n: 1 });
    await waitFor(() => seen.length === 5, { what: 'four holds and the run that got through' });
    await waitFor(async () => (await timers.pending()) === 0, { what: 'nothing pending' });
    expect(seen).toEqual([1, 1, 1, 1, 1]);
    // Each hold ended its run before the next began: counted as a start, never as a stall.
    expect(runs).toEqual([1, 2, 3, 4, 5].map((started) => ({ started, stalls: 0 })));
    expect(await timers.retryFailed()).toBe(0);
  });

  test('a cancelled timer never runs', async () => {
    const timers = queue<{ n: number }>();
    await timers.scheduleAt('claim-window.s-1', new Date(Date.now() + 300), { n: 1 });
    expect(await timers.cancel('claim-window.s-1')).toBe(true);
    await timers.scheduleAt('claim-window.s-2', new Date(Date.now() + 300), { n: 2 });
    const ran: number[] = [];
    await worker<{ n: number }>(timers.name, async (data) => void ran.push(data.n));
    await waitFor(() => ran.length === 1, { what: 'the timer that was not cancelled' });
    expect(ran).toEqual([2]);
    expect(await timers.has('claim-window.s-1')).toBe(false);
  });

  test('stopping a worker waits for the job in hand to finish', async () => {
    const timers = queue<{ n: number }>();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started = false;
    const events: string[] = [];
    const w = await worker<{ n: number }>(timers.name, async () => {
      started = true;
      await gate;
      events.push('job finished');
    });
    await timers.scheduleAt('slow.1', new Date(), { n: 1 });
    await waitFor(() => started, { what: 'the job to start' });
    const stopping = w.stop().then(() => events.push('worker stopped'));
    // Give the stop a few Redis round trips in which it could wrongly finish first.
    for (let i = 0; i < 5; i += 1) await timers.pending();
    release();
    await stopping;
    expect(events).toEqual(['job finished', 'worker stopped']);
  });

  test('stopping a worker aborts the signal of a job that waits on something; the job goes back with its progress and no try spent', async () => {
    const timers = queue<{ n: number }>({ attempts: 1, backoffMs: 50 });
    let started = false;
    const events: string[] = [];
    const w = await worker<{ n: number }>(timers.name, async (_data, { signal, saveProgress }) => {
      started = true;
      await saveProgress({ step: 'answer in hand' });
      // Waits until told to stop (or at once, if it was told already), as a handler waiting for a dependency's return does, then gives up.
      await delay(60_000, undefined, { signal }).catch(() => undefined);
      events.push(`job gave up the wait: ${String((signal.reason as Error).message)}`);
      throw signal.reason;
    });
    await timers.scheduleAt('waiting.1', new Date(), { n: 1 });
    await waitFor(() => started, { what: 'the job to start' });
    await w.stop();
    expect(events).toEqual([`job gave up the wait: worker ${timers.name} is stopping`]);
    // Its only try was not spent: the next worker runs it as the first, with what the first saved.
    const next: { attempt: number; progress: unknown }[] = [];
    await worker<{ n: number }>(
      timers.name,
      async (_data, { attempt, progress }) => void next.push({ attempt, progress }),
    );
    await waitFor(() => next, { what: 'the job run again', until: (n) => n.length === 1 });
    expect(next).toEqual([{ attempt: 1, progress: { step: 'answer in hand' } }]);
  });

  test('a job whose keys Redis lost while it ran is told to onError, and the worker goes on with the next', async () => {
    const timers = queue<{ n: number }>();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const ran: number[] = [];
    const errors: string[] = [];
    await worker<{ n: number }>(
      timers.name,
      async (data) => {
        ran.push(data.n);
        if (data.n === 1) await gate;
      },
      { onError: (error) => errors.push(error.message) },
    );
    await timers.scheduleAt('lost.1', new Date(), { n: 1 });
    await waitFor(() => ran.length === 1, { what: 'the first job to start' });
    const keys = await connection.keys(`${settings.prefix}:${timers.name}:*`);
    await connection.del(...keys);
    release();
    await waitFor(() => errors, { what: 'the worker error', until: (e) => e.length > 0 });
    expect(errors[0]).toMatch(/Missing (key|lock) for job/);
    await timers.scheduleAt('next.2', new Date(), { n: 2 });
    await waitFor(() => ran, { what: 'the next job', until: (r) => r.includes(2) });
  });

  test('ids that would break Redis keys are refused', async () => {
    await expect(queue<{ n: number }>().scheduleAt('a:b', new Date(), { n: 1 })).rejects.toThrow('job id a:b');
  });

  test('a job that failed for good does not hide its work: has() says no, and scheduling it again runs it again', async () => {
    const timers = queue<{ n: number }>({ attempts: 1, backoffMs: 10 });
    let broken = true;
    const ran: number[] = [];
    await worker<{ n: number }>(timers.name, async (data) => {
      if (broken) throw new Error('unexpected');
      ran.push(data.n);
    });
    await timers.scheduleAt('resubmit.c-1.v3', new Date(), { n: 1 });
    await waitFor(async () => (await timers.pending()) === 0, { what: 'the job to fail' });
    expect(await timers.has('resubmit.c-1.v3')).toBe(false);

    broken = false;
    await timers.scheduleAt('resubmit.c-1.v3', new Date(), { n: 1 });
    await waitFor(() => ran.length === 1, { what: 'the job scheduled again to run' });
    expect(await timers.has('resubmit.c-1.v3')).toBe(true);
  });

  test('Redis keeps a bounded number of finished jobs', async () => {
    const timers = queue<{ n: number }>(
      { attempts: 1, backoffMs: 10 },
      { completed: { count: 2, age: 3_600 }, failed: { count: 2, age: 3_600 } },
    );
    const ran: number[] = [];
    await worker<{ n: number }>(timers.name, async (data) => void ran.push(data.n));
    for (let n = 0; n < 6; n += 1) await timers.scheduleAt(`push.${n}`, new Date(), { n });
    await waitFor(() => ran.length === 6, { what: 'all six jobs' });
    const kept = await waitFor(
      async () => (await Promise.all([0, 1, 2, 3, 4, 5].map((n) => timers.has(`push.${n}`)))).filter(Boolean).length,
      { until: (k) => k <= 2, what: 'at most two kept' },
    );
    expect(kept).toBeLessThanOrEqual(2);
  });
});

describe('the reconciler runner', () => {
  const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

  test('start() does not wait for the first pass; passes never overlap, and the next starts an interval after the last ended', async () => {
    const spans: { start: number; end: number }[] = [];
    let inFlight = 0;
    let most = 0;
    let release: () => void = () => undefined;
    let gate = new Promise<void>((resolve) => (release = resolve));
    const runner = new Reconciler({
      name: 'test',
      intervalMs: 150,
      logger: quiet,
      run: async () => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        const span = { start: Date.now(), end: 0 };
        await gate;
        span.end = Date.now();
        spans.push(span);
        inFlight -= 1;
        return { checked: spans.length };
      },
    });
    runner.start();
    expect(spans).toHaveLength(0);
    await waitFor(() => inFlight === 1, { what: 'the first pass to begin in the background' });
    const asked = [runner.runNow(), runner.runNow()];
    release();
    gate = Promise.resolve();
    await Promise.all(asked);
    await waitFor(() => spans.length >= 4, { what: 'paced passes' });
    await runner.stop();
    expect(most).toBe(1);
    for (let i = 1; i < spans.length; i += 1) expect(spans[i]!.start).toBeGreaterThanOrEqual(spans[i - 1]!.end);
    // The asked-for pass came right after the first; later ones an interval after the previous ended.
    expect(spans[2]!.start - spans[1]!.end).toBeGreaterThanOrEqual(140);
  });

  test('a failed pass is reported and the passes go on', async () => {
    const errors: string[] = [];
    let calls = 0;
    const runner = new Reconciler({
      name: 'flaky',
      intervalMs: 20,
      logger: { ...quiet, error: (obj: object) => void errors.push(String((obj as { err?: Error }).err?.message)) },
      run: async () => {
        calls += 1;
        if (calls === 1) throw new Error('mongo hiccup');
        return { calls };
      },
    });
    runner.start();
    await waitFor(() => calls >= 3, { what: 'passes after the failure' });
    await runner.stop();
    expect(errors).toEqual(['mongo hiccup']);
    expect(runner.status()?.report).toEqual({ calls: expect.any(Number) });
  });

  test('the epoch marker tells when Redis is new, was emptied or restarted, to every instance that shares it, until a rebuild confirms it', async () => {
    const key = `${settings.prefix}:epoch`;
    const epoch = new RedisEpoch(connection, key);
    const other = new RedisEpoch(connection, key);
    // A new Redis: a loss to every instance until one of them has rebuilt and confirmed it.
    expect(await epoch.lost()).toBe(true);
    expect(await other.lost()).toBe(true);
    await epoch.confirm(await epoch.runId());
    expect(await epoch.lost()).toBe(false);
    expect(await other.lost()).toBe(false);
    // Emptied.
    await connection.del(key);
    expect(await other.lost()).toBe(true);
    await other.confirm(await other.runId());
    // A marker from another Redis process (a restart, even from its AOF; a failover) is a loss too.
    await connection.set(key, 'run-id-of-a-redis-before-its-restart');
    expect(await epoch.lost()).toBe(true);
    // A rebuild that began on another Redis process (it restarted meanwhile) does not confirm this one.
    await epoch.confirm('run-id-of-a-redis-before-its-restart');
    expect(await epoch.lost()).toBe(true);
  });

  test('with fullEveryMs, a timed pass reads all again once the last such pass is that old', async () => {
    const scopes: string[] = [];
    const runner = new Reconciler({
      name: 'periodic',
      intervalMs: 10,
      fullEveryMs: 150,
      logger: quiet,
      run: async (scope) => (scopes.push(scope), { checked: 0 }),
    });
    runner.start();
    await waitFor(() => scopes.lastIndexOf('all') > 0, { what: 'a second pass over all' });
    await runner.stop();
    expect(scopes[0]).toBe('all');
    expect(scopes[1]).toBe('due');
  });

  test('a timed pass reads only what is due; all is read first when the marker was missing, after a loss, and when asked', async () => {
    const key = `${settings.prefix}:epoch-scopes`;
    const scopes: string[] = [];
    const runnerWith = (epochCheckMs: number) =>
      new Reconciler({
        name: 'scoped',
        intervalMs: 30,
        logger: quiet,
        epoch: new RedisEpoch(connection, key),
        epochCheckMs,
        run: async (scope) => (scopes.push(scope), { checked: 0 }),
      });
    // A new Redis: the first pass rebuilds, the timed ones after it look at what is due.
    const first = runnerWith(60_000);
    first.start();
    await waitFor(() => scopes.length >= 3, { what: 'three passes' });
    await first.stop();
    expect(scopes.slice(0, 3)).toEqual(['all', 'due', 'due']);
    expect(await first.runNow()).toEqual({ checked: 0 });
    expect(scopes.at(-1)).toBe('all');
    // A restart with Redis intact: no rebuild.
    scopes.length = 0;
    const restarted = runnerWith(50);
    restarted.start();
    await waitFor(() => scopes.length >= 2, { what: 'two passes' });
    expect(scopes.slice(0, 2)).toEqual(['due', 'due']);
    // Redis emptied: the next check rebuilds.
    await connection.del(key);
    await waitFor(() => scopes.includes('all'), { what: 'a rebuild after the loss' });
    await restarted.stop();
  });
});
