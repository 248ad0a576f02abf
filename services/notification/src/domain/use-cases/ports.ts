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
   * Set (to the ISO time it was queued so) on the job that owns the first try recorded with the
   * push's opening (`PushLogRepository.openAll`): its first run sends without a claim. Absent on a
   * job queued for a push whose first try was taken or answered already, or by the push
   * reconciler, which claims its try.
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
