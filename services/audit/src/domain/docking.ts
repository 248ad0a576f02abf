import type { ReasonType } from '@orderpulse/contracts';

import type { AuditPolicy } from './audit-policy';

/** The docking person a customer account has, set by an admin. */
export interface AccountDocking {
  customerAccount: string;
  handlerId: string;
  leadId?: string | undefined;
}

export interface Docking {
  handlerId: string;
  leadId: string;
  teamId: string;
  /** How the handler was found. */
  via: 'account' | 'team';
}

/** A small stable hash, so the same order always lands on the same team member. */
function spread(key: string, n: number): number {
  let h = 0;
  for (const ch of key) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return h % n;
}

/**
 * Who answers for an order's failure: the customer account's docking person when it has one,
 * else a member of the reason type's team (the lead when the team has nobody else).
 */
export function dockingFor(
  orderNo: string,
  customerAccount: string,
  type: ReasonType,
  policy: AuditPolicy,
  account: AccountDocking | undefined,
): Docking {
  const teamId = policy.types[type].teamId;
  const team = policy.teams[teamId];
  if (!team) throw new Error(`policy names team ${teamId} but has no such team`);
  if (account) return { handlerId: account.handlerId, leadId: account.leadId ?? team.leadId, teamId, via: 'account' };
  const handlerId =
    team.handlers.length > 0
      ? team.handlers[spread(`${customerAccount}/${orderNo}`, team.handlers.length)]!
      : team.leadId;
  return { handlerId, leadId: team.leadId, teamId, via: 'team' };
}
