import type { DevicePlatform } from '../domain/registry';
import type { PushProvider, PushRequest, PushResult } from './push-provider';

/** gorush's platform numbers. */
const platforms: Partial<Record<DevicePlatform, number>> = { ios: 1, android: 2 };

/** Errors (APNs, FCM legacy and v1, as gorush reports them) that mean the token is gone for good. */
const invalidToken = new Set([
  'BadDeviceToken',
  'Unregistered',
  'DeviceTokenNotForTopic',
  'ExpiredToken',
  'InvalidRegistration',
  'NotRegistered',
  'MissingRegistration',
  'UNREGISTERED',
  'registration-token-not-registered',
  'invalid-registration-token',
]);

/** Errors that pass: the provider was busy or down. */
const transient = new Set([
  'TooManyRequests',
  'ServiceUnavailable',
  'InternalServerError',
  'Shutdown',
  'Unavailable',
  'UNAVAILABLE',
  'INTERNAL',
  'QUOTA_EXCEEDED',
  'DeviceMessageRateExceeded',
]);

interface GorushLog {
  type?: string;
  token?: string;
  error?: string;
}

/**
 * The gorush HTTP API: POST `/api/push` with `notifications[]`. Run gorush with `core.sync: true`
 * so its answer lists the tokens that failed and why; that is how invalid tokens get pruned.
 * The idempotency key goes as a header and as the collapse id, so a repeat after an unknown
 * outcome (the answer was lost) replaces the first on the device instead of showing twice.
 */
export class GorushProvider implements PushProvider {
  readonly name = 'gorush';

  constructor(private readonly settings: { defaultGatewayUrl: string; timeoutMs: number }) {}

  supports(platform: DevicePlatform): boolean {
    return platforms[platform] !== undefined;
  }

  async send(request: PushRequest): Promise<PushResult> {
    const gateway = request.app.gatewayUrl ?? this.settings.defaultGatewayUrl;
    const notification = {
      tokens: [request.token],
      platform: platforms[request.platform],
      title: request.title,
      message: request.body,
      data: request.data,
      // A rich notification: Android shows the image itself, iOS hands it to the app's service extension.
      ...(typeof request.data.thumbnailUrl === 'string'
        ? { image: request.data.thumbnailUrl, mutable_content: true }
        : {}),
      ...expiryOf(request),
      ...(request.platform === 'ios'
        ? { collapse_id: request.idempotencyKey, ...(request.app.apnsTopic ? { topic: request.app.apnsTopic } : {}) }
        : { collapse_key: request.idempotencyKey }),
    };
    let response: Response;
    try {
      response = await fetch(new URL('/api/push', gateway), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'idempotency-key': request.idempotencyKey,
          ...(request.app.authorization ? { authorization: request.app.authorization } : {}),
        },
        body: JSON.stringify({ notifications: [notification] }),
        signal: AbortSignal.timeout(this.settings.timeoutMs),
      });
    } catch (error) {
      const reason =
        error instanceof Error && error.name === 'TimeoutError'
          ? `no answer within ${this.settings.timeoutMs} ms`
          : errorText(error);
      return { kind: 'retry', error: reason };
    }
    const text = await response.text().catch(() => '');
    const httpStatus = response.status;
    if (httpStatus === 429 || httpStatus >= 500)
      return { kind: 'retry', httpStatus, error: `gateway answered ${httpStatus}: ${text.slice(0, 200)}` };
    if (httpStatus >= 400)
      return { kind: 'rejected', httpStatus, error: `gateway answered ${httpStatus}: ${text.slice(0, 200)}` };
    const failure = failedLogFor(text, request.token);
    if (!failure) return { kind: 'delivered', httpStatus };
    const error = failure.error ?? 'failed-push';
    if (invalidToken.has(error)) return { kind: 'token_invalid', httpStatus, error };
    if (transient.has(error)) return { kind: 'retry', httpStatus, error };
    return { kind: 'rejected', httpStatus, error };
  }
}

/**
 * gorush's expiry fields: `time_to_live` (FCM, seconds the message is kept for an offline
 * device) from the time left at this try, so a retry gets what remains, not a fresh lifetime;
 * `expiration` (APNs `apns-expiration`, UNIX seconds), which is absolute anyway. gorush sends
 * each to the platform it belongs to.
 */
function expiryOf(request: PushRequest): { time_to_live?: number; expiration?: number } {
  if (!request.expiresAt) return {};
  const leftMs = request.expiresAt.getTime() - (request.sentAt ?? new Date()).getTime();
  return {
    time_to_live: Math.max(0, Math.floor(leftMs / 1_000)),
    expiration: Math.ceil(request.expiresAt.getTime() / 1_000),
  };
}

function failedLogFor(text: string, token: string): GorushLog | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  const logs = (parsed as { logs?: unknown }).logs;
  if (!Array.isArray(logs)) return undefined;
  return (logs as GorushLog[]).find(
    (log) => log.type === 'failed-push' && (log.token === undefined || log.token === token),
  );
}

function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ? `${error.message} (${cause.code})` : error.message;
}
