import type { App, DevicePlatform } from '../domain/registry';

/** One push to one device. */
export interface PushRequest {
  app: App;
  platform: DevicePlatform;
  token: string;
  title: string;
  body: string;
  data: Record<string, unknown>;
  /** The same for every try of this (event, recipient, device); gateways and devices use it to drop repeats. */
  idempotencyKey: string;
  /**
   * When the push stops meaning anything (a countdown's deadline). The provider tells the
   * platform to drop it then if the device has not had it: FCM `time_to_live` (seconds left at
   * `sentAt`), APNs `apns-expiration` (an absolute UNIX time). Absent: the platform's default.
   */
  expiresAt?: Date;
  /** When this try is made, the moment `expiresAt` counts from; with `expiresAt`. */
  sentAt?: Date;
}

/** What a gateway made of a push. */
export type PushResult =
  | { kind: 'delivered'; httpStatus: number }
  /** The token will never work again: remove the device. */
  | { kind: 'token_invalid'; httpStatus: number; error: string }
  /** The gateway refused this push; trying again would not help. */
  | { kind: 'rejected'; httpStatus: number; error: string }
  /** A fault on the way or at the gateway (5xx, timeout, throttling): try again later. */
  | { kind: 'retry'; httpStatus?: number; error: string };

/** A way to reach devices: the gorush gateway today, FCM or APNs directly tomorrow. */
export interface PushProvider {
  readonly name: string;
  supports(platform: DevicePlatform): boolean;
  send(request: PushRequest): Promise<PushResult>;
}
