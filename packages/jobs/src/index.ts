/**
 * Every countdown, retry and expiry in orderpulse runs here, on BullMQ: `TimerQueue` schedules
 * work for an absolute time under a deterministic id, `JobWorker` does it. Redis may lose
 * timers; each service's reconciler, run by `Reconciler`, re-creates them from MongoDB, which is the truth.
 */
export { TimerQueue, defaultRetention, type JobsSettings, type RetrySettings, type Retention } from './timer-queue';
export { type JobAgain, JobWorker, type JobContext, type JobWorkerOptions } from './job-worker';
export { queueDashboard, type QueueDashboard } from './queue-dashboard';
export {
  type ReconcileScope,
  Reconciler,
  RedisEpoch,
  type ReconcilerOptions,
  type ReconcilerLogger,
} from './reconciler';
export { ServiceJobs, type ServiceQueueOptions, type ServiceReconcilerOptions } from './service-jobs';
