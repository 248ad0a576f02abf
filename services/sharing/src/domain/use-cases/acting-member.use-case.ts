import { AppError, type Principal, tenantOf } from '@orderpulse/service-kit';

import type { Actor } from '../guarantee-order';
import type { SharingPorts } from './ports';

/**
 * The member a request acts as. The token says who and for which organisation (its tenant);
 * the organisation's own records say whether that member is in it and active, so a member
 * removed by an admin loses access at once, whatever tokens it still holds.
 */
export async function actingMember(ports: SharingPorts, principal: Principal): Promise<Actor> {
  if (principal.role !== 'member')
    throw new AppError('FORBIDDEN', 'this action is for members of an organisation', { role: principal.role });
  const tenant = tenantOf(principal);
  const [org, member] = await Promise.all([
    ports.organisations.organisation(tenant),
    ports.organisations.member(tenant, principal.subject),
  ]);
  if (!org?.active || !member?.active)
    throw new AppError('FORBIDDEN', 'not an active member of an active organisation');
  return { orgId: org.orgId, memberId: member.memberId, role: member.role };
}
