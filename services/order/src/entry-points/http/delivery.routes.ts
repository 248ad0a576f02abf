import { type AuthSettings, authenticated, parseInput, principalOf, requireRole } from '@orderpulse/service-kit';
import type express from 'express';

import type { Order } from '../../domain/order';
import { advanceDelivery, declineDelivery, reportStocking } from '../../domain/use-cases/deliver-order.use-case';
import type { OrderPorts } from '../../domain/use-cases/ports';
import { actOnOrder, orderForActor } from '../../domain/use-cases/view-order.use-case';
import { orderView } from './order-view';
import { ListQuery, OrderIdParam, ProgressBody, ReasonBody, StockingBody } from './schemas';

/** The delivery terminal's API (seed 001): its orders, stocking reports, progress, declining. */
export function deliveryRoutes(
  app: express.Express,
  deps: { ports: OrderPorts; auth: AuthSettings; listForTerminal(terminalId: string, limit: number): Promise<Order[]> },
): void {
  const auth = authenticated(deps.auth);
  const now = () => deps.ports.clock();
  /** The calling terminal and the order it names, which must be assigned to it. */
  const riderOrder = async (req: express.Request) => {
    const principal = principalOf(req);
    requireRole(principal, 'rider');
    const { id } = parseInput(OrderIdParam, req.params, 'path');
    return { principal, order: await orderForActor(deps.ports, principal, id) };
  };

  app.get('/v1/deliveries', auth, async (req, res) => {
    const principal = principalOf(req);
    requireRole(principal, 'rider');
    const { limit } = parseInput(ListQuery, req.query, 'query');
    const orders = await deps.listForTerminal(principal.subject, limit);
    res.json({
      deliveries: orders.map((o) => ({
        ...orderView(o, principal, now()),
        destination: o.delivery,
        customer: { name: o.delivery.contactName, phone: o.delivery.contactPhone },
      })),
    });
  });

  app.post('/v1/deliveries/:id/stocking', auth, async (req, res) => {
    const report = parseInput(StockingBody, req.body);
    const { principal, order } = await riderOrder(req);
    res.json(orderView(await reportStocking(deps.ports, principal.subject, order, report), principal, now()));
  });

  app.post('/v1/deliveries/:id/progress', auth, async (req, res) => {
    const body = parseInput(ProgressBody, req.body);
    const principal = principalOf(req);
    requireRole(principal, 'rider');
    const { id } = parseInput(OrderIdParam, req.params, 'path');
    const eta = body.expectedDeliveryAt ? new Date(body.expectedDeliveryAt) : undefined;
    const updated = await actOnOrder(deps.ports, principal, id, (order) =>
      advanceDelivery(deps.ports, principal.subject, order, body.step, eta),
    );
    res.json(orderView(updated, principal, now()));
  });

  app.post('/v1/deliveries/:id/decline', auth, async (req, res) => {
    const { reason } = parseInput(ReasonBody, req.body ?? {});
    const { principal, order } = await riderOrder(req);
    const reassigned = await declineDelivery(deps.ports, principal.subject, order, reason);
    // No other terminal can take it: the decline stands, and the order waits for a rider (offered again until one takes it).
    res.json({
      orderId: order.orderId,
      declined: true,
      terminalId: reassigned.terminalId ?? null,
      awaitingRider: !reassigned.terminalId,
    });
  });
}
