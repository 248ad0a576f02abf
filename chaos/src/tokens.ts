import { signToken } from '@orderpulse/service-kit';

import { jwtSecret } from './secrets';

export interface Login {
  subject: string;
  role: 'customer' | 'merchant' | 'rider' | 'admin' | 'handler' | 'member' | 'storefront';
  tenant?: string;
}

/**
 * The one place the suite mints bearer tokens (for the whole run: 12 hours). When the services
 * verify tokens another way (an issuer's key set), only this function changes.
 */
export function mintToken(login: Login): string {
  return signToken({ subject: login.subject, role: login.role, ...(login.tenant ? { tenant: login.tenant } : {}) }, { secret: jwtSecret, issuer: 'orderpulse' }, 12 * 3600);
}
