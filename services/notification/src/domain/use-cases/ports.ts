import type { TimerQueue } from '@orderpulse/jobs';

import type { PushLogRepository } from '../../data-access/push-log.repository';
import type { RealtimeBacklog } from '../../data-access/realtime-backlog';
import type { RegistryRepository } from '../../data-access/registry.repository';
import type { PushProvider } from '../../providers/push-provider';
import type { RecipientKey } from '../recipients';
import type { DevicePlatform } from '../registry';

/** A push waiting to be sent: everything the sender needs, so it reads nothing else. */
export interface PushJob {
  key: string;
  recipient: RecipientKey;
  installationId: string;
  appCode: string;
  platform: DevicePlatform;
  token: string;
  title: string;
  body: string;
  data: Record<string, unknown>;
  /** ISO time after which the push means nothing (the deadline of the countdown it announces); absent for pushes that keep. */
  expiresAt?: string;
  /**
   * ISO time of the first try, recorded when the push was opened (`PushLogRepository.openAll`):
   * the job's first run sends it without a claim. Absent on a job queued for a push that was
   * already open (a redelivered event, the push reconciler), which claims its try.
   */
  firstTry?: string;
}

/** What the notification use cases work with. */
export interface NotificationPorts {
  registry: RegistryRepository;
  log: PushLogRepository;
  backlog: RealtimeBacklog;
  pushes: TimerQueue<PushJob>;
  providers: ReadonlyMap<string, PushProvider>;
  clock: () => Date;
  /** Tries per push in all. */
  pushAttempts: number;
  /** How long the sender waits for the gateway's answer to one try, in milliseconds. */
  pushTimeoutMs: number;
  /** Whether an error is a dependency's outage (MongoDB, Redis, the network away), to be waited out: `isTransient` of `@orderpulse/kafka`. */
  isTransient(error: unknown): boolean;
}
