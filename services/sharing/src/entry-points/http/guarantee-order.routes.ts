import {
  AppError,
  type AuthSettings,
  authenticated,
  parseInput,
  principalOf,
  type TenantId,
} from '@orderpulse/service-kit';
import type express from 'express';

import type { GuaranteeOrderRepository } from '../../data-access/guarantee-order.repository';
import { historyView, listItem, orderView } from '../../domain/guarantee-order';
import { actingMember } from '../../domain/use-cases/acting-member.use-case';
import { orderForMember, recordOrder } from '../../domain/use-cases/guarantee-orders.use-case';
import type { SharingPorts } from '../../domain/use-cases/ports';
import { recordResult } from '../../domain/use-cases/record-result.use-case';
import { claimShare, declineShare, revokeShare, shareOrder } from '../../domain/use-cases/share-order.use-case';
import {
  cursorOf,
  OrderIdParam,
  OwnListQuery,
  RecordOrderBody,
  ResultBody,
  ShareableQuery,
  ShareBody,
} from './schemas';

export interface GuaranteeOrderRouteDeps {
  ports: SharingPorts;
  auth: AuthSettings;
  orders: Pick<GuaranteeOrderRepository, 'shareable' | 'ownedBy' | 'sharedWith'>;
}

/** Guarantee orders and their shares (seed 004): recording, the shareable list, share, claim, decline, revoke, results. */
export function guaranteeOrderRoutes(app: express.Express, deps: GuaranteeOrderRouteDeps): void {
  const auth = authenticated(deps.auth);
  const { ports } = deps;
  const max = () => ports.settings.maxShares;
  const member = (req: express.Request) => actingMember(ports, principalOf(req));
  const idOf = (req: express.Request) => parseInput(OrderIdParam, req.params, 'path').id;

  app.post('/v1/guarantee-orders', auth, async (req, res) => {
    const principal = principalOf(req);
    const body = parseInput(RecordOrderBody, req.body);
    let owner: { orgId: TenantId; ownerId: string };
    if (principal.role === 'admin' || principal.role === 'service') {
      if (!body.orgId || !body.ownerId) throw AppError.invalid('orgId and ownerId name whose order this is');
      owner = { orgId: body.orgId, ownerId: body.ownerId };
    } else {
      const acting = await member(req);
      if ((body.orgId && body.orgId !== acting.orgId) || (body.ownerId && body.ownerId !== acting.memberId))
        throw AppError.forbidden('a member records only its own orders');
      owner = { orgId: acting.orgId, ownerId: acting.memberId };
    }
    const { created, order } = await recordOrder(ports, {
      ...body,
      ...owner,
      effectiveAt: body.effectiveAt ? new Date(body.effectiveAt) : undefined,
    });
    res
      .status(created ? 201 : 200)
      .location(`/v1/guarantee-orders/${order.orderId}`)
      .json(orderView(order, order.orderId, { memberId: order.ownerId, role: 'member' }, ports.clock(), max()));
  });

  app.get('/v1/guarantee-orders', auth, async (req, res) => {
    const acting = await member(req);
    const { scope, limit } = parseInput(OwnListQuery, req.query, 'query');
    const now = ports.clock();
    if (scope === 'owned') {
      const orders = await deps.orders.ownedBy(acting.orgId, acting.memberId, limit);
      res.json({ orders: orders.map((o) => orderView(o, o.orderId, acting, now, max())) });
      return;
    }
    // Each share for this member is a second order of its own.
    const orders = await deps.orders.sharedWith(acting.orgId, acting.memberId, limit);
    const second = orders.flatMap((o) =>
      o.shares.filter((s) => s.targetId === acting.memberId).map((s) => orderView(o, s.id, acting, now, max())),
    );
    res.json({ orders: second });
  });

  app.get('/v1/shareable-orders', auth, async (req, res) => {
    const acting = await member(req);
    const { limit, cursor } = parseInput(ShareableQuery, req.query, 'query');
    const page = await deps.orders.shareable(acting.orgId, acting.memberId, limit, cursor);
    const last = page.length === limit ? page[page.length - 1] : undefined;
    res.json({
      orders: page.map((o) => listItem(o, max())),
      nextCursor: last ? cursorOf({ rank: last.typeRank, effectiveAt: last.effectiveAt, orderId: last.orderId }) : null,
    });
  });

  app.get('/v1/guarantee-orders/:id', auth, async (req, res) => {
    const acting = await member(req);
    const { order, viewedAs } = await orderForMember(ports, acting, idOf(req));
    res.json(orderView(order, viewedAs, acting, ports.clock(), max()));
  });

  app.get('/v1/guarantee-orders/:id/history', auth, async (req, res) => {
    const acting = await member(req);
    const { order, viewedAs } = await orderForMember(ports, acting, idOf(req));
    res.json({
      orderId: viewedAs,
      history: historyView(order, viewedAs, acting).map((h) => ({ ...h, at: h.at.toISOString() })),
    });
  });

  app.post('/v1/guarantee-orders/:id/shares', auth, async (req, res) => {
    const { targetId } = parseInput(ShareBody, req.body);
    const id = idOf(req);
    const acting = await member(req);
    const { order, share, created } = await shareOrder(ports, acting, id, targetId);
    res
      .status(created ? 201 : 200)
      .location(`/v1/guarantee-orders/${share.id}`)
      .json(orderView(order, share.id, acting, ports.clock(), max()));
  });

  app.post('/v1/guarantee-orders/:id/claim', auth, async (req, res) => {
    const id = idOf(req);
    const acting = await member(req);
    const { order, share } = await claimShare(ports, acting, id);
    res.json(orderView(order, share.id, acting, ports.clock(), max()));
  });

  app.post('/v1/guarantee-orders/:id/decline', auth, async (req, res) => {
    const id = idOf(req);
    const acting = await member(req);
    const { order, share } = await declineShare(ports, acting, id);
    res.json(orderView(order, share.id, acting, ports.clock(), max()));
  });

  app.post('/v1/guarantee-orders/:id/revoke', auth, async (req, res) => {
    const id = idOf(req);
    const acting = await member(req);
    const { order, share } = await revokeShare(ports, acting, id);
    res.json(orderView(order, share.id, acting, ports.clock(), max()));
  });

  app.post('/v1/guarantee-orders/:id/result', auth, async (req, res) => {
    const body = parseInput(ResultBody, req.body);
    const id = idOf(req);
    const acting = await member(req);
    const { order, viewedAs } = await recordResult(ports, acting, id, body);
    res.json(orderView(order, viewedAs, acting, ports.clock(), max()));
  });
}
