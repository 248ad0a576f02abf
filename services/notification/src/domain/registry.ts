import { z } from 'zod';

import { type Category, type Locale } from './categories';

/** The platforms a device can be on; the gateway's provider says which it can reach. */
export const Platform = z.enum(['ios', 'android', 'web']);
export type Platform = z.infer<typeof Platform>;

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
  platform: Platform;
  token: string;
  locale?: Locale;
  registeredAt: Date;
}

/** A recipient's devices and preferences. */
export interface RecipientProfile {
  key: string;
  devices: Device[];
  muted: Category[];
  locale?: Locale;
}
