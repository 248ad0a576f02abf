import { createSecretKey, type KeyObject } from 'node:crypto';

import jwt from 'jsonwebtoken';
import { z } from 'zod';

import { AppError } from './errors';

/** Who may call orderpulse; every token names one. */
export const Roles = ['customer', 'merchant', 'rider', 'handler', 'member', 'storefront', 'service', 'admin'] as const;
export type Role = (typeof Roles)[number];

const Claims = z.object({
  sub: z.string().min(1),
  role: z.enum(Roles),
  /** The tenant the subject acts for: a merchant's store group, an organisation. */
  tenant: z.string().min(1).optional(),
  name: z.string().optional(),
});

/** The authenticated caller. */
export interface Principal {
  subject: string;
  role: Role;
  tenant?: string;
  name?: string;
}

export interface AuthSettings {
  secret: string;
  issuer: string;
}

let lastKey: { secret: string; key: KeyObject } | undefined;

/**
 * The secret as a key object, made once. Given a string, jsonwebtoken first tries to read it as
 * a PEM public key, fails, and only then makes a secret key, on every call, which showed among the
 * top costs of an HTTP request in a CPU profile under load.
 */
function keyOf(secret: string): KeyObject {
  if (lastKey?.secret !== secret) lastKey = { secret, key: createSecretKey(Buffer.from(secret, 'utf8')) };
  return lastKey.key;
}

/** Verifies a bearer token (HS256, issuer, expiry) and returns its principal. */
export function verifyToken(token: string, settings: AuthSettings): Principal {
  let payload: unknown;
  try {
    payload = jwt.verify(token, keyOf(settings.secret), { algorithms: ['HS256'], issuer: settings.issuer });
  } catch (error) {
    const reason = error instanceof jwt.TokenExpiredError ? 'token expired' : 'token invalid';
    throw new AppError('UNAUTHENTICATED', reason);
  }
  const claims = Claims.safeParse(payload);
  if (!claims.success) throw new AppError('UNAUTHENTICATED', 'token lacks subject or role');
  const { sub, role, tenant, name } = claims.data;
  return { subject: sub, role, ...(tenant ? { tenant } : {}), ...(name ? { name } : {}) };
}

/** Issues a token; used by the demo login, the tests and the services' own calls. */
export function signToken(principal: Principal, settings: AuthSettings, expiresInSeconds = 3_600): string {
  return jwt.sign(
    { role: principal.role, ...(principal.tenant ? { tenant: principal.tenant } : {}), ...(principal.name ? { name: principal.name } : {}) },
    keyOf(settings.secret),
    { algorithm: 'HS256', subject: principal.subject, issuer: settings.issuer, expiresIn: expiresInSeconds },
  );
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
