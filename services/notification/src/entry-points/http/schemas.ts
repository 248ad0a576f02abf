import { humanText, Locale } from '@orderpulse/contracts';
import type { BodyLimits } from '@orderpulse/service-kit';
import { z } from 'zod';

import { cursorPattern, isCursor } from '../../data-access/realtime-backlog';
import { Category } from '../../domain/categories';
import type { RecipientKey } from '../../domain/recipients';
import { DevicePlatform } from '../../domain/registry';

const id = (what: string) => z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, `${what} is 1–64 of A–Z a–z 0–9 _ -`);

export const AppCodeParam = z.object({ appCode: id('an application authorization code') });
export const InstallationParam = z.object({ installationId: id('an installation id') });

export const AppBody = z.strictObject({
  name: humanText(120),
  provider: z.literal('gorush').default('gorush'),
  gatewayUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** The Authorization header value the gateway expects for this app. */
  authorization: z.string().min(1).max(2_048).optional(),
  apnsTopic: z.string().min(1).max(200).optional(),
});

export const InstallationBody = z.strictObject({
  appCode: id('appCode'),
  platform: DevicePlatform,
  deviceToken: z
    .string()
    .min(8)
    .max(4_096)
    .regex(/^[\x21-\x7e]+$/, 'a device token is printable ASCII without spaces'),
  locale: Locale.optional(),
});

export const PreferencesBody = z.strictObject({
  muted: z.array(Category).max(Category.options.length),
  locale: Locale.optional(),
});

export const PushLogQuery = z.object({
  orderId: z.string().min(1).max(64).optional(),
  /** A recipient key as this service writes them (`member:<org>:<id>`, `merchant:<merchant>`, …). */
  recipient: z
    .string()
    .regex(
      /^(customer|merchant|rider|handler):[^:]{1,200}$|^member:[^:]{1,200}:[^:]{1,200}$/,
      'recipient is not a recipient key (kind:id, member:org:id)',
    )
    .transform((key) => key as RecipientKey)
    .optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const TimelinePath = z.object({ orderId: z.string().min(1).max(128) });

export const StreamQuery = z.object({
  cursor: z
    .string()
    .regex(cursorPattern, { message: 'cursor is not a cursor this service gave out', abort: true })
    .refine(isCursor, 'cursor is not a cursor this service gave out')
    .optional(),
  access_token: z.string().optional(),
});
/** What a route that reads no body takes: nothing, or `{}`. */
const NoBody = z.strictObject({});

/** Each body-taking route's body, by route: its limit is worked out from the schema (service-kit `bodyLimitOf`). */
export const bodyLimits = {
  'PUT /v1/apps/:appCode': AppBody,
  'PUT /v1/installations/:installationId': InstallationBody,
  'DELETE /v1/installations/:installationId': NoBody,
  'PUT /v1/me/preferences': PreferencesBody,
} satisfies BodyLimits;
