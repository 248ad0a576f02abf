import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  type AuthSettings,
  createTokenIssuer,
  generateSigningKey,
  keySetOf,
  localTokenIssuer,
  publicJwkOf,
  verifyToken,
  writeJwks,
} from '@orderpulse/service-kit';

const dir = mkdtempSync(join(tmpdir(), 'orderpulse-tokens-test-'));
const { issuer, jwksPath } = localTokenIssuer(join(dir, 'keys'));
const settings = (overrides: Partial<AuthSettings> = {}): AuthSettings => ({
  keys: keySetOf(jwksPath),
  issuer: 'orderpulse',
  audience: 'orderpulse-order',
  clockToleranceSeconds: 30,
  ...overrides,
});
const customer = { subject: 'c-1', role: 'customer' as const };
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A token in the old form: HS256 with a shared secret, which any service could mint. */
function sharedSecretToken(secret: string, kid?: string): string {
  const now = Math.floor(Date.now() / 1_000);
  const input = `${b64({ alg: 'HS256', typ: 'JWT', ...(kid ? { kid } : {}) })}.${b64({ sub: 'ops', role: 'admin', iss: 'orderpulse', aud: 'orderpulse-order', iat: now, exp: now + 600 })}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

describe('tokens: signed by the issuer, verified from the JWKS', () => {
  test('a token for the service verifies to its principal, with its expiry', async () => {
    const token = issuer.sign(
      { subject: 'clerk-1', role: 'merchant', tenant: 'm-1' },
      { audience: ['orderpulse-order', 'orderpulse-media'], expiresInSeconds: 600 },
    );
    const principal = await verifyToken(token, settings());
    expect(principal).toMatchObject({ subject: 'clerk-1', role: 'merchant', tenant: 'm-1' });
    expect(principal.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 590_000);
  });

  test.each([
    [
      'the old shared-secret kind (HS256)',
      () => sharedSecretToken('orderpulse-local-development-secret-change-me', issuer.kid),
      'token algorithm is not allowed',
    ],
    [
      'unsigned (alg none)',
      () =>
        `${b64({ alg: 'none', kid: issuer.kid })}.${b64({ sub: 'ops', role: 'admin', iss: 'orderpulse', aud: 'orderpulse-order', exp: 4e9 })}.`,
      'token algorithm is not allowed',
    ],
    [
      'for another service',
      () => issuer.sign(customer, { audience: 'orderpulse-notification' }),
      'token is not for this service',
    ],
    [
      'from another issuer',
      () =>
        createTokenIssuer({
          privateKey: readFileSync(join(dir, 'keys', 'signing-key.pem'), 'utf8'),
          kid: issuer.kid,
          issuer: 'elsewhere',
        }).sign(customer),
      'token is from another issuer',
    ],
    [
      'signed by a key outside the set under a known kid',
      () => createTokenIssuer({ privateKey: generateSigningKey(), kid: issuer.kid }).sign(customer),
      'token invalid',
    ],
    [
      'signed by a key outside the set under its own kid',
      () => {
        const key = generateSigningKey();
        return createTokenIssuer({ privateKey: key, kid: publicJwkOf(key).kid }).sign(customer);
      },
      'token key is unknown',
    ],
    [
      'expired beyond the clock tolerance',
      () => issuer.sign(customer, { now: new Date(Date.now() - 3_700_000) }),
      'token expired',
    ],
  ])('a token %s is refused', async (_name, make, reason) => {
    await expect(verifyToken(make(), settings())).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: reason });
  });

  test('a token without exp or without kid is refused', async () => {
    const [header] = issuer.sign(customer).split('.');
    const noExp = `${header}.${b64({ sub: 'c-1', role: 'customer', iss: 'orderpulse', aud: 'orderpulse-order' })}.x`;
    await expect(verifyToken(noExp, settings())).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    const noKid = createTokenIssuer({ privateKey: generateSigningKey(), kid: '' }).sign(customer);
    await expect(verifyToken(noKid, settings())).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
      message: 'token names no key (kid)',
    });
  });

  test('a token expired by less than the clock tolerance still passes; the tolerance is bounded by configuration', async () => {
    const token = issuer.sign(customer, { now: new Date(Date.now() - 3_610_000) });
    await expect(verifyToken(token, settings())).resolves.toMatchObject({ subject: 'c-1' });
    await expect(verifyToken(token, settings({ clockToleranceSeconds: 0 }))).rejects.toMatchObject({
      message: 'token expired',
    });
  });

  test('keys rotate without a restart: add the new key, issue with it, drop the old one', async () => {
    const rotating = join(dir, 'rotating-jwks.json');
    const oldKey = generateSigningKey();
    const newKey = generateSigningKey();
    const oldIssuer = createTokenIssuer({ privateKey: oldKey, kid: publicJwkOf(oldKey).kid });
    const newIssuer = createTokenIssuer({ privateKey: newKey, kid: publicJwkOf(newKey).kid });
    writeJwks(rotating, [publicJwkOf(oldKey)]);
    const auth = settings({ keys: keySetOf(rotating) });
    await expect(verifyToken(oldIssuer.sign(customer), auth)).resolves.toMatchObject({ subject: 'c-1' });
    await expect(verifyToken(newIssuer.sign(customer), auth)).rejects.toMatchObject({
      message: 'token key is unknown',
    });

    writeJwks(rotating, [publicJwkOf(oldKey), publicJwkOf(newKey)]);
    // Both keys are good while tokens of the old one are still out there.
    await expect(verifyToken(newIssuer.sign(customer), auth)).resolves.toMatchObject({ subject: 'c-1' });
    await expect(verifyToken(oldIssuer.sign(customer), auth)).resolves.toMatchObject({ subject: 'c-1' });

    writeJwks(rotating, [publicJwkOf(newKey)]);
    // The set is looked at again at most once a second; after that the dropped key is refused.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await expect(verifyToken(oldIssuer.sign(customer), auth)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(verifyToken(newIssuer.sign(customer), auth)).resolves.toMatchObject({ subject: 'c-1' });
  });

  test('a key set file caught half-written keeps the keys it had; a missing file is named at start', async () => {
    const flaky = join(dir, 'flaky-jwks.json');
    const key = generateSigningKey();
    const keyIssuer = createTokenIssuer({ privateKey: key, kid: publicJwkOf(key).kid });
    writeJwks(flaky, [publicJwkOf(key)]);
    const auth = settings({ keys: keySetOf(flaky) });
    writeFileSync(flaky, '{"keys": [');
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await expect(verifyToken(keyIssuer.sign(customer), auth)).resolves.toMatchObject({ subject: 'c-1' });
    expect(() => keySetOf(join(dir, 'absent.json'))).toThrow(/JWT_JWKS .*absent\.json is not a readable JWKS/);
  });

  test('the key set can be a URL (fetched once, then cached)', async () => {
    let fetches = 0;
    const server = createServer((_req, res) => {
      fetches += 1;
      const { keys } = JSON.parse(readFileSync(jwksPath, 'utf8')) as { keys: unknown[] };
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ keys: [publicJwkOf(generateSigningKey()), ...keys] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const auth = settings({
        keys: keySetOf(`http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`),
      });
      for (let i = 0; i < 5; i += 1)
        await expect(verifyToken(issuer.sign(customer), auth)).resolves.toMatchObject({ subject: 'c-1' });
      expect(fetches).toBe(1);
    } finally {
      server.close();
    }
  });
});
