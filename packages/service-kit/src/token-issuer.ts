import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type JsonWebKey,
  type KeyObject,
  sign,
} from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { type Principal, serviceAudience, ServiceNames } from './auth';

/** Signs tokens (compact JWS, RFC 7515/7519) with one private key; services verify them from the JWKS. */
export interface TokenIssuer {
  kid: string;
  issuer: string;
  /** A token for `principal`; `audience` defaults to every service, `expiresInSeconds` to one hour. */
  sign(principal: Principal, options?: { audience?: string | string[]; expiresInSeconds?: number; now?: Date }): string;
}

/** A public key as it stands in a JWKS (RFC 7517): the key with its `kid`, `alg` and `use`. */
export type PublicJwk = JsonWebKey & { kid: string; alg: 'ES256'; use: 'sig' };

/** Every service's audience: what a token names when its holder talks to them all. */
export const allServiceAudiences = (): string[] => ServiceNames.map(serviceAudience);

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * An issuer of ES256 tokens (`iss`, `sub`, `role`, `tenant`, `aud`, `iat`, `exp`; the header names
 * `kid`). Signing is synchronous with Node's crypto (jose's `SignJWT` is async only, and every caller —
 * the local login, the tests, the benchmark — wants a token as a plain value); verification, the part
 * that guards, is jose's in {@link verifyToken}. ECDSA signatures are in the JWS form (r‖s, RFC 7518 §3.4).
 */
export function createTokenIssuer(options: {
  privateKey: KeyObject | string;
  kid: string;
  issuer?: string;
}): TokenIssuer {
  const key = typeof options.privateKey === 'string' ? createPrivateKey(options.privateKey) : options.privateKey;
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
    throw new Error('the signing key must be an EC P-256 private key (ES256)');
  const issuer = options.issuer ?? 'orderpulse';
  const header = b64({ alg: 'ES256', typ: 'JWT', kid: options.kid });
  return {
    kid: options.kid,
    issuer,
    sign(principal, { audience = allServiceAudiences(), expiresInSeconds = 3_600, now = new Date() } = {}) {
      const iat = Math.floor(now.getTime() / 1_000);
      const claims = {
        iss: issuer,
        sub: principal.subject,
        role: principal.role,
        ...(principal.tenant ? { tenant: principal.tenant } : {}),
        ...(principal.name ? { name: principal.name } : {}),
        aud: audience,
        iat,
        exp: iat + expiresInSeconds,
      };
      const input = `${header}.${b64(claims)}`;
      const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
      return `${input}.${signature.toString('base64url')}`;
    },
  };
}

/** The public half of an EC P-256 key as a JWK; its `kid` is its RFC 7638 thumbprint. */
export function publicJwkOf(privateKey: KeyObject): PublicJwk {
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  const kid = createHash('sha256')
    .update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }))
    .digest('base64url');
  return { ...jwk, kid, alg: 'ES256', use: 'sig' };
}

/** A new EC P-256 signing key. */
export function generateSigningKey(): KeyObject {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
}

/** Writes a JWKS file (`{ keys: [...] }`) with the given public keys: what services read from `JWT_JWKS`. */
export function writeJwks(path: string, keys: PublicJwk[]): void {
  writeFileSync(path, `${JSON.stringify({ keys }, null, 2)}\n`);
}

/**
 * The issuer whose key lives in `dir` (`signing-key.pem`, PKCS#8, mode 0600, and `jwks.json`, the
 * public key set), made on first use and reused after: the local stack's login issuer.
 */
export function localTokenIssuer(dir: string, issuer = 'orderpulse'): { issuer: TokenIssuer; jwksPath: string } {
  mkdirSync(dir, { recursive: true });
  const keyPath = join(dir, 'signing-key.pem');
  const jwksPath = join(dir, 'jwks.json');
  if (!existsSync(keyPath)) {
    writeFileSync(keyPath, generateSigningKey().export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
    chmodSync(keyPath, 0o600);
  }
  const privateKey = createPrivateKey(readFileSync(keyPath));
  const jwk = publicJwkOf(privateKey);
  if (!existsSync(jwksPath)) writeJwks(jwksPath, [jwk]);
  return { issuer: createTokenIssuer({ privateKey, kid: jwk.kid, issuer }), jwksPath };
}

let ephemeral: { issuer: TokenIssuer; jwksPath: string } | undefined;

/**
 * One issuer per process with a fresh key in a temporary folder: what tests and benchmarks sign
 * with, handing `jwksPath` to the services as `JWT_JWKS`.
 */
export function ephemeralTokenIssuer(): { issuer: TokenIssuer; jwksPath: string } {
  ephemeral ??= localTokenIssuer(mkdtempSync(join(tmpdir(), 'orderpulse-keys-')));
  return ephemeral;
}
