import {
  AppError,
  type AuthSettings,
  authenticated,
  parseInput,
  principalOf,
  requireRole,
} from '@orderpulse/service-kit';
import type express from 'express';

import type { CaseRepository } from '../../data-access/case.repository';
import { type AuditCase, isOverdue, maySee } from '../../domain/audit-case';
import type { AuditPorts } from '../../domain/use-cases/ports';
import { recordFix } from '../../domain/use-cases/record-fix.use-case';
import { CaseIdParam, CaseListQuery, cursorOf, FixBody, OrderNoParam } from './schemas';

function view(c: AuditCase, now: Date) {
  return { ...c, overdue: isOverdue(c, now) };
}

/** Handlers' cases: lists by status, type, handler and overdue; one case with its history; recording the fix; the orders they concern. */
export function caseRoutes(
  app: express.Express,
  deps: { ports: AuditPorts; cases: CaseRepository; auth: AuthSettings },
): void {
  const auth = authenticated(deps.auth);
  const { ports, cases } = deps;

  app.get('/v1/audit/cases', auth, async (req, res) => {
    const who = principalOf(req);
    requireRole(who, 'handler', 'admin');
    const query = parseInput(CaseListQuery, req.query, 'query');
    const now = ports.clock();
    const page = await cases.list({
      statuses: query.status,
      reasonType: query.type,
      handlerId: query.handler === 'me' ? who.subject : query.handler,
      visibleTo: who.role === 'admin' ? undefined : who.subject,
      overdueAt: query.overdue === 'true' ? now : undefined,
      after: query.cursor,
      limit: query.limit,
    });
    const last = page.length === query.limit ? page[page.length - 1] : undefined;
    res.json({ cases: page.map((c) => view(c, now)), ...(last ? { next: cursorOf(last) } : {}) });
  });

  app.get('/v1/audit/cases/:caseId', auth, async (req, res) => {
    const who = principalOf(req);
    requireRole(who, 'handler', 'admin');
    const { caseId } = parseInput(CaseIdParam, req.params, 'path');
    const c = await cases.get(caseId);
    if (!c || !maySee(c, who)) throw AppError.notFound('case', { caseId });
    res.json(view(c, ports.clock()));
  });

  /** A B2B order as the trading platform confirmed it, by order number. */
  app.get('/v1/audit/orders/:orderNo', auth, async (req, res) => {
    requireRole(principalOf(req), 'handler', 'admin');
    const { orderNo } = parseInput(OrderNoParam, req.params, 'path');
    const order = await ports.orders.find({ orderNo });
    if (!order) throw AppError.notFound('order', { orderNo });
    res.json(order);
  });

  app.post('/v1/audit/cases/:caseId/fix', auth, async (req, res) => {
    const who = principalOf(req);
    requireRole(who, 'handler', 'admin');
    const { caseId } = parseInput(CaseIdParam, req.params, 'path');
    const { note } = parseInput(FixBody, req.body);
    const updated = await recordFix(ports, { caseId, note, by: who });
    res.status(202).json(view(updated, ports.clock()));
  });
}
