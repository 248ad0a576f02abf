import type { Locale } from '@orderpulse/contracts';
import { z } from 'zod';

import { type Category } from './categories';
import type { RecipientKey } from './recipients';

/** The platforms a device can be on; the gateway's provider says which it can reach. */
export const DevicePlatform = z.enum(['ios', 'android', 'web']);
export type DevicePlatform = z.infer<typeof DevicePlatform>;

/** A client app, known by its application authorization code, and how its pushes are sent. */
export interface App {
  appCode: string;
  name: string;
  provider: 'gorush';
  /** This app's gateway; the service's default when absent. */
  gatewayUrl?: string;
  /** Sent as the gateway request's Authorization header; never shown back. */
  authorization?: string;
  /** The APNs topic (bundle id) of the app's iOS build. */
  apnsTopic?: string;
}

/** One installation of an app on one device, registered by the person using it. */
export interface Device {
  installationId: string;
  appCode: string;
  platform: DevicePlatform;
  token: string;
  locale?: Locale;
  registeredAt: Date;
  /** The principal that registered it; absent on installations registered before this was kept. */
  registeredBy?: Registrant;
}

/** Who registered an installation: the token's role, subject and tenant. */
export interface Registrant {
  role: string;
  subject: string;
  tenant?: string;
}

/**
 * Whether an installation filed under another recipient may move to the caller. Knowing an
 * installation id proves nothing (it shows in logs and screens); the device does: the same app
 * and device token prove possession. Or the caller is the principal that registered it. Anything
 * else would let any signed-in user take a merchant tablet's pushes away. Pure.
 */
export function mayMove(existing: Device, incoming: Pick<Device, 'appCode' | 'token'>, caller: Registrant): boolean {
  if (existing.appCode === incoming.appCode && existing.token === incoming.token) return true;
  const by = existing.registeredBy;
  return (
    by !== undefined &&
    by.role === caller.role &&
    by.subject === caller.subject &&
    (by.tenant ?? '') === (caller.tenant ?? '')
  );
}

/** A recipient's devices and preferences. */
export interface RecipientProfile {
  key: RecipientKey;
  devices: Device[];
  muted: Category[];
  locale?: Locale;
}
