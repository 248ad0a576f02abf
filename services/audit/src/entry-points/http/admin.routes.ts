import {
  AppError,
  type AuthSettings,
  authenticated,
  parseInput,
  principalOf,
  requireRole,
} from '@orderpulse/service-kit';
import type express from 'express';

import type { PolicyRepository } from '../../data-access/policy.repository';
import { AccountBody, AccountParam, PolicyBody } from './schemas';

/** The audit policy (rules, teams, templates, deadlines) and the accounts' docking people: admin only. */
export function adminRoutes(
  app: express.Express,
  deps: { policies: PolicyRepository; auth: AuthSettings; clock: () => Date },
): void {
  const auth = authenticated(deps.auth);
  const { policies } = deps;

  app.get('/v1/audit/policy', auth, async (req, res) => {
    requireRole(principalOf(req), 'admin', 'handler');
    res.json(await policies.current());
  });

  app.put('/v1/audit/policy', auth, async (req, res) => {
    const who = principalOf(req);
    requireRole(who, 'admin');
    const body = parseInput(PolicyBody, req.body);
    const version = await policies.save(body.policy, body.expectedVersion, who.subject, deps.clock());
    if (version === undefined) {
      const current = await policies.current();
      throw new AppError('CONFLICT', `the policy is at version ${current.version}, not ${body.expectedVersion}`, {
        version: current.version,
      });
    }
    res.json({ version, policy: body.policy });
  });

  app.put('/v1/audit/accounts/:customerAccount', auth, async (req, res) => {
    requireRole(principalOf(req), 'admin');
    const { customerAccount } = parseInput(AccountParam, req.params, 'path');
    const body = parseInput(AccountBody, req.body);
    const { created } = await policies.saveAccount({ customerAccount, ...body });
    res.status(created ? 201 : 200).json({ customerAccount, ...body });
  });

  app.delete('/v1/audit/accounts/:customerAccount', auth, async (req, res) => {
    requireRole(principalOf(req), 'admin');
    const { customerAccount } = parseInput(AccountParam, req.params, 'path');
    if (!(await policies.removeAccount(customerAccount))) throw AppError.notFound('account', { customerAccount });
    res.status(204).end();
  });
}
