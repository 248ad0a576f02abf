/**
 * Whether a member still belongs to its organisation, asked of the sharing service with the
 * member's own token (`GET /v1/organisations/:orgId` answers a member only while it is an active
 * member of an active organisation), so no credential of more rights is needed. `gone` only
 * when the sharing service says so (401, 403, 404); when it cannot be asked, `unknown`: an outage
 * of the sharing service is no reason to cut members off.
 */
export type MembershipCheck = (orgId: string, token: string) => Promise<'member' | 'gone' | 'unknown'>;

export function sharingMembership(baseUrl: string, timeoutMs: number): MembershipCheck {
  return async (orgId, token) => {
    try {
      const response = await fetch(new URL(`/v1/organisations/${encodeURIComponent(orgId)}`, baseUrl), {
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.body?.cancel();
      if (response.ok) return 'member';
      return [401, 403, 404].includes(response.status) ? 'gone' : 'unknown';
    } catch {
      return 'unknown';
    }
  };
}
