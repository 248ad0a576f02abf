import path from 'node:path';

import { localTokenIssuer, type TokenIssuer } from '@orderpulse/service-kit';

export interface Login {
  subject: string;
  role: 'customer' | 'merchant' | 'rider' | 'admin' | 'handler' | 'member' | 'storefront';
  tenant?: string;
}

/** Where the suite keeps its signing key: beside its stack (chaos/dist → the repository's .local/chaos/keys). */
const KEYS = path.join(
  path.resolve(process.env.ORDERPULSE_LOCAL_DIR ?? path.join(__dirname, '..', '..', '.local', 'chaos')),
  'keys',
);

let local: { issuer: TokenIssuer; jwksPath: string } | undefined;
const issuer = () => (local ??= localTokenIssuer(KEYS));

/** The JWKS file the services verify the suite's tokens with, as the local stack gives `npm start`'s. */
export function suiteJwks(): string {
  return issuer().jwksPath;
}

/** The one place the suite mints bearer tokens (ES256, for the whole run: 12 hours). */
export function mintToken(login: Login): string {
  return issuer().issuer.sign(
    { subject: login.subject, role: login.role, ...(login.tenant ? { tenant: login.tenant } : {}) },
    { expiresInSeconds: 12 * 3600 },
  );
}
