import { localTokenIssuer, type TokenIssuer } from '@orderpulse/service-kit';

export interface Login {
  subject: string;
  role: 'customer' | 'merchant' | 'rider' | 'admin' | 'handler' | 'member' | 'storefront';
  tenant?: string;
}

let issuer: TokenIssuer | undefined;

/**
 * Makes (once) the suite's signing key under `dir` and answers the JWKS file the services verify
 * with, as the local stack does for `npm start`.
 */
export function useLocalIssuer(dir: string): string {
  const local = localTokenIssuer(dir);
  issuer = local.issuer;
  return local.jwksPath;
}

/** The one place the suite mints bearer tokens (ES256, for the whole run: 12 hours). */
export function mintToken(login: Login): string {
  if (!issuer) throw new Error('useLocalIssuer() first');
  return issuer.sign({ subject: login.subject, role: login.role, ...(login.tenant ? { tenant: login.tenant } : {}) }, { expiresInSeconds: 12 * 3600 });
}
