import { statSync, readFileSync } from 'node:fs';

import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  type JSONWebKeySet,
  jwtVerify,
  type JWTVerifyGetKey,
} from 'jose';
import { z } from 'zod';

import { AppError } from './errors';

/** Who may call orderpulse; every token names one. */
export const Roles = ['customer', 'merchant', 'rider', 'handler', 'member', 'storefront', 'service', 'admin'] as const;
export type Role = (typeof Roles)[number];

/** The five services; each is a token audience of its own (`orderpulse-<name>`). */
export const ServiceNames = ['order', 'audit', 'sharing', 'media', 'notification'] as const;
export type ServiceName = (typeof ServiceNames)[number];

/** The audience (`aud`) a token must name to be taken by a service. */
export function serviceAudience(service: string): string {
  return `orderpulse-${service}`;
}

/**
 * The only signing algorithms a token may use (RFC 7518 §3.4 ES256, RFC 8037 EdDSA). Pinned, so a
 * token that names `HS256` (the old shared secret) or `none` is refused before any key is looked at.
 */
export const TokenAlgorithms = ['ES256', 'EdDSA'];

const Claims = z.object({
  sub: z.string().min(1),
  role: z.enum(Roles),
  /** The tenant the subject acts for: a merchant's store group, an organisation, a storefront. */
  tenant: z.string().min(1).optional(),
  name: z.string().optional(),
  exp: z.number(),
});

/** The authenticated caller. */
export interface Principal {
  /** `sub`: a customer's or clerk's id, a rider's terminal id, a member id, a service's name. */
  subject: string;
  role: Role;
  tenant?: string;
  name?: string;
  /** When the token that named this principal expires (`exp`); absent for principals made in code. */
  expiresAt?: Date;
}

/**
 * How a service checks bearer tokens: the public keys (a JWKS, chosen by `kid`), the issuer (`iss`),
 * the service's own audience (`aud`) and how much clock skew `exp`/`nbf` may have.
 */
export interface AuthSettings {
  keys: JWTVerifyGetKey;
  issuer: string;
  audience: string;
  clockToleranceSeconds: number;
  /** Runs after a token verified: the per-principal rate limit, when the service has one. */
  admit?: (principal: Principal) => Promise<void>;
}

/**
 * The key set named by `JWT_JWKS`: an `https://` (or `http://` on loopback) URL is fetched and cached by
 * jose's `createRemoteJWKSet` (refetched when a token names an unknown `kid`, at most every 30 s); a
 * file path is read once and read again when the file changes (looked at most once a second, and at
 * once when a token names a `kid` the set lacks), so an operator rotates keys by rewriting the file:
 * first add the new key, then issue with it, then drop the old one — no restart. Either way the parsed
 * keys are cached, so verifying costs one signature check.
 */
export function keySetOf(source: string): JWTVerifyGetKey {
  if (/^https?:\/\//.test(source))
    return createRemoteJWKSet(new URL(source), { cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 });
  return fileKeySet(source);
}

function fileKeySet(path: string): JWTVerifyGetKey {
  let loaded: { stamp: string; keys: JWTVerifyGetKey } | undefined;
  let lookedAt = 0;
  const load = (force: boolean): JWTVerifyGetKey => {
    const now = Date.now();
    if (loaded && !force && now - lookedAt < 1_000) return loaded.keys;
    lookedAt = now;
    try {
      const stats = statSync(path);
      const stamp = `${stats.mtimeMs}:${stats.size}`;
      if (loaded?.stamp === stamp) return loaded.keys;
      const set = JSON.parse(readFileSync(path, 'utf8')) as JSONWebKeySet;
      loaded = { stamp, keys: createLocalJWKSet(set) };
      return loaded.keys;
    } catch (error) {
      // A file caught half-written while it is replaced: keep the set we have and look again later.
      if (loaded) return loaded.keys;
      throw new Error(
        `JWT_JWKS ${path} is not a readable JWKS: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
  };
  load(true);
  return async (header, token) => {
    try {
      return await load(false)(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      return load(true)(header, token);
    }
  };
}

function refusal(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'token expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return 'token is not for this service';
    if (error.claim === 'iss') return 'token is from another issuer';
    if (error.claim === 'exp') return 'token has no expiry';
    return `token claim ${error.claim} is not valid`;
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return 'token algorithm is not allowed';
  if (error instanceof errors.JWKSNoMatchingKey) return 'token key is unknown';
  return 'token invalid';
}

/**
 * Verifies a bearer token with jose and returns its principal: signature by a key of the set (by
 * `kid`, which is required), algorithm among {@link TokenAlgorithms}, `iss`, `aud` naming this service,
 * `exp` required and not past (within the clock tolerance). Anything else is `UNAUTHENTICATED`.
 */
export async function verifyToken(token: string, settings: AuthSettings): Promise<Principal> {
  let payload: unknown;
  try {
    const verified = await jwtVerify(
      token,
      (header, input) => {
        if (!header.kid) throw new AppError('UNAUTHENTICATED', 'token names no key (kid)');
        return settings.keys(header, input);
      },
      {
        algorithms: TokenAlgorithms,
        issuer: settings.issuer,
        audience: settings.audience,
        clockTolerance: settings.clockToleranceSeconds,
        requiredClaims: ['exp', 'sub'],
      },
    );
    payload = verified.payload;
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError('UNAUTHENTICATED', refusal(error));
  }
  const claims = Claims.safeParse(payload);
  if (!claims.success) throw new AppError('UNAUTHENTICATED', 'token lacks subject or role');
  const { sub, role, tenant, name, exp } = claims.data;
  return {
    subject: sub,
    role,
    ...(tenant ? { tenant } : {}),
    ...(name ? { name } : {}),
    expiresAt: new Date(exp * 1_000),
  };
}

export function bearerToken(header: string | undefined): string {
  const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(header ?? '');
  if (!match?.[1]) throw new AppError('UNAUTHENTICATED', 'missing bearer token');
  return match[1];
}

/** Fails unless the principal has one of the roles. */
export function requireRole(principal: Principal, ...roles: Role[]): void {
  if (!roles.includes(principal.role)) {
    throw new AppError('FORBIDDEN', `this action is for ${roles.join(' or ')}`, { role: principal.role });
  }
}
