import type { Principal } from './auth';
import { AppError } from './errors';

/**
 * The id of a tenant: an organisation (sharing), a merchant (order, notification). Branded, so
 * a bare string — a member id, an order id, a query parameter — never type-checks where a tenant
 * is meant: every repository method over tenant-owned data takes one as a required argument, and
 * the only ways to get one are a token's tenant ({@link tenantOf}) or a record that carries it
 * ({@link asTenant}). The habit of Novu's data layer (`libs/dal`: repositories type-require the
 * environment/organisation id).
 */
export type TenantId = string & { readonly __brand: 'TenantId' };

/** A tenant id read from a trusted record (a stored document, a validated event). */
export function asTenant(id: string): TenantId {
  if (!id) throw new AppError('FORBIDDEN', 'a tenant id is required');
  return id as TenantId;
}

/** The tenant a principal acts for; FORBIDDEN when its token names none. */
export function tenantOf(principal: Principal): TenantId {
  if (!principal.tenant) throw new AppError('FORBIDDEN', `a ${principal.role} token must name its tenant`);
  return principal.tenant as TenantId;
}
