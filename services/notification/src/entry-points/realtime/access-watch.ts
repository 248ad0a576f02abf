import type { Principal } from '@orderpulse/service-kit';

import type { MembershipCheck } from '../../providers/membership.provider';

/** Why a realtime connection was ended for its caller's sake, as the terminals are told it. */
export type AccessEnd = { reason: 'token_expired'; code: 4401 } | { reason: 'member_deactivated'; code: 4403 };

export const tokenExpired: AccessEnd = { reason: 'token_expired', code: 4401 };
export const memberDeactivated: AccessEnd = { reason: 'member_deactivated', code: 4403 };

export interface AccessWatchSettings {
  /** Asks whether a member is still in its organisation; without it, only expiry is watched. */
  membership?: MembershipCheck | undefined;
  /** How often a member's connection asks again. */
  recheckMs: number;
}

// setTimeout takes at most 2^31 - 1 ms; a later expiry is waited for in steps.
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Watches one connection's right to stay open: ends it when the token that opened it expires,
 * and, for a member, when the organisation says it is no longer an active member (asked every
 * `recheckMs`). Calls `end` once; the returned function stops watching.
 */
export function watchAccess(
  principal: Principal,
  token: string,
  expiresAt: Date | undefined,
  settings: AccessWatchSettings,
  end: (why: AccessEnd) => void,
): () => void {
  let done = false;
  let expiry: NodeJS.Timeout | undefined;
  const finish = (why: AccessEnd) => {
    if (done) return;
    stop();
    end(why);
  };
  const armExpiry = () => {
    if (!expiresAt) return;
    const left = expiresAt.getTime() - Date.now();
    if (left <= 0) return finish(tokenExpired);
    expiry = setTimeout(armExpiry, Math.min(left, MAX_TIMER_MS));
    expiry.unref();
  };
  armExpiry();
  const { membership } = settings;
  const org = principal.role === 'member' ? principal.tenant : undefined;
  const recheck =
    membership && org
      ? setInterval(() => {
          void membership(org, token).then((answer) => answer === 'gone' && finish(memberDeactivated));
        }, settings.recheckMs)
      : undefined;
  recheck?.unref();
  function stop(): void {
    done = true;
    clearTimeout(expiry);
    clearInterval(recheck);
  }
  return stop;
}
