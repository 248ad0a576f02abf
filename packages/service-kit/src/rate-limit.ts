import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

import type { Principal } from './auth';
import { AppError } from './errors';

/** Requests allowed per window, per principal and per client address. */
export interface RateLimitSettings {
  perPrincipal: number;
  perAddress: number;
  windowSeconds: number;
}

/** Takes one request from a bucket; refuses with `RATE_LIMITED` (429, `retryAfterSeconds`) when it is empty. */
export type RateLimit = (key: string) => Promise<void>;

/**
 * The two limits every route has, counted in Redis with rate-limiter-flexible so they hold across
 * every instance of the service. While Redis cannot answer, each instance counts alone in memory
 * (the library's insurance limiter): an outage costs precision, never the requests.
 */
export function createRateLimits(
  redis: Redis,
  settings: RateLimitSettings,
  keyPrefix: string,
): { principal: (p: Principal) => Promise<void>; address: RateLimit } {
  const limiter = (name: string, points: number) => {
    const options = { points, duration: settings.windowSeconds, keyPrefix: `${keyPrefix}:rate:${name}` };
    const consume = new RateLimiterRedis({
      ...options,
      storeClient: redis,
      rejectIfRedisNotReady: true,
      insuranceLimiter: new RateLimiterMemory(options),
    });
    return async (key: string) => {
      try {
        await consume.consume(key);
      } catch (outcome) {
        if (!(outcome instanceof RateLimiterRes)) throw outcome;
        const retryAfterSeconds = Math.max(1, Math.ceil(outcome.msBeforeNext / 1_000));
        throw new AppError('RATE_LIMITED', `too many requests; retry in ${retryAfterSeconds} s`, {
          retryAfterSeconds,
          limit: points,
          windowSeconds: settings.windowSeconds,
        });
      }
    };
  };
  const principal = limiter('principal', settings.perPrincipal);
  return {
    principal: (p) => principal(`${p.role}:${p.tenant ?? ''}:${p.subject}`),
    address: limiter('address', settings.perAddress),
  };
}
