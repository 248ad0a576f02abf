import { AppError } from '@orderpulse/service-kit';

import type { NotificationPorts, PushJob } from './deps';

/**
 * Sends one push and records the try: first as `sending` (so a retry after a crash or a
 * database outage knows it is a retry, and every call the gateway got is in the log), then its
 * outcome. Delivered, refused and invalid-token pushes end here (the device is removed for an
 * invalid token); a gateway fault is thrown to be retried with backoff until the tries run out.
 * A time-bound push whose deadline has passed is not sent (`expired`); one still in time carries
 * the time left, not a fresh lifetime. A push already finished — its job ran again after a crash, or was queued again by a
 * redelivered event or the reconciler — is not sent again.
 */
export async function sendPush(ports: NotificationPorts, job: PushJob, attempt: number): Promise<void> {
  const claimed = await ports.log.claim(job.key, ports.clock());
  if (!claimed) return;
  const tried = claimed.attempt;
  const app = await ports.registry.app(job.appCode);
  const provider = app ? ports.providers.get(app.provider) : undefined;
  const started = ports.clock();
  if (!app || !provider) {
    await ports.log.settle(job.key, tried, { outcome: 'rejected', error: `app ${job.appCode} is no longer registered`, ms: 0 }, 'rejected');
    return;
  }
  const expiresAt = job.expiresAt ? new Date(job.expiresAt) : undefined;
  if (expiresAt && expiresAt.getTime() <= started.getTime()) {
    // A retry after the deadline would tell a phone to answer an order already ruled.
    await ports.log.settle(job.key, tried, { outcome: 'expired', error: `its deadline ${job.expiresAt} passed before it could be sent`, ms: 0 }, 'expired');
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
  const base = { ms, ...(result.httpStatus !== undefined ? { httpStatus: result.httpStatus } : {}) };
  switch (result.kind) {
    case 'delivered':
      await ports.log.settle(job.key, tried, { ...base, outcome: 'delivered' }, 'delivered');
      return;
    case 'token_invalid':
      await ports.registry.prune(job.recipient, job.installationId, job.token);
      await ports.log.settle(job.key, tried, { ...base, outcome: 'token_invalid', error: result.error }, 'token_invalid');
      return;
    case 'rejected':
      await ports.log.settle(job.key, tried, { ...base, outcome: 'rejected', error: result.error }, 'rejected');
      return;
    case 'retry': {
      const last = attempt >= ports.pushAttempts;
      await ports.log.settle(job.key, tried, { ...base, outcome: 'retry', error: result.error }, last ? 'failed' : 'pending');
      if (!last) throw new AppError('UNAVAILABLE', `push gateway: ${result.error}`);
    }
  }
}
