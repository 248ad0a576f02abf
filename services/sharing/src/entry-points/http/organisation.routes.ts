import {
  AppError,
  type AuthSettings,
  authenticated,
  parseInput,
  type Principal,
  principalOf,
  requireRole,
  type TenantId,
} from '@orderpulse/service-kit';
import type express from 'express';

import type { OrganisationRepository } from '../../data-access/organisation.repository';
import { ListQuery, MemberBody, MemberParams, OrganisationBody, OrgIdParam } from './schemas';

/** Admins see every organisation; a member only its own, and only while it is an active member of it. */
async function mayRead(organisations: OrganisationRepository, principal: Principal, orgId: TenantId): Promise<void> {
  if (principal.role === 'admin') return;
  const member =
    principal.role === 'member' && principal.tenant === orgId
      ? await organisations.member(orgId, principal.subject)
      : undefined;
  if (!member?.active) throw AppError.notFound(`organisation ${orgId}`);
}

/** Organisations and their members: set up by admins, read by their members. */
export function organisationRoutes(
  app: express.Express,
  deps: { organisations: OrganisationRepository; auth: AuthSettings; clock: () => Date },
): void {
  const auth = authenticated(deps.auth);

  app.put('/v1/organisations/:orgId', auth, async (req, res) => {
    requireRole(principalOf(req), 'admin');
    const { orgId } = parseInput(OrgIdParam, req.params, 'path');
    const body = parseInput(OrganisationBody, req.body);
    const created = await deps.organisations.saveOrganisation({ orgId, ...body }, deps.clock());
    res.status(created ? 201 : 200).json({ orgId, ...body });
  });

  app.get('/v1/organisations/:orgId', auth, async (req, res) => {
    const { orgId } = parseInput(OrgIdParam, req.params, 'path');
    await mayRead(deps.organisations, principalOf(req), orgId);
    const org = await deps.organisations.organisation(orgId);
    if (!org) throw AppError.notFound(`organisation ${orgId}`);
    res.json(org);
  });

  app.put('/v1/organisations/:orgId/members/:memberId', auth, async (req, res) => {
    requireRole(principalOf(req), 'admin');
    const { orgId, memberId } = parseInput(MemberParams, req.params, 'path');
    const body = parseInput(MemberBody, req.body);
    if (!(await deps.organisations.organisation(orgId))) throw AppError.notFound(`organisation ${orgId}`);
    const created = await deps.organisations.saveMember({ orgId, memberId, ...body }, deps.clock());
    res.status(created ? 201 : 200).json({ orgId, memberId, ...body });
  });

  app.get('/v1/organisations/:orgId/members', auth, async (req, res) => {
    const { orgId } = parseInput(OrgIdParam, req.params, 'path');
    const { limit } = parseInput(ListQuery, req.query, 'query');
    await mayRead(deps.organisations, principalOf(req), orgId);
    res.json({ members: await deps.organisations.membersOf(orgId, limit) });
  });
}
