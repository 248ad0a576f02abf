import { createHash, randomUUID } from 'node:crypto';

import { storefrontCustomerId, StorefrontId } from '@orderpulse/contracts';
import {
  AppError,
  type AuthSettings,
  authenticated,
  parseInput,
  type Principal,
  principalOf,
  requireRole,
  tenantOf,
  bearerToken,
  expiresAtOf,
} from '@orderpulse/service-kit';
import type express from 'express';

import type { OrderChangeFeed } from '../../data-access/order-change-feed';
import type { Order } from '../../domain/order';
import { isAnswered } from '../../domain/order-state-machine';
import { storefrontOrderId } from '../../domain/placement';
import { changeOrder } from '../../domain/use-cases/change-order.use-case';
import { placeOrder, refusalProblem } from '../../domain/use-cases/place-order.use-case';
import type { OrderPorts } from '../../domain/use-cases/ports';
import { actOnOrder, orderForActor, viewOrder } from '../../domain/use-cases/view-order.use-case';
import { orderView } from './order-view';
import {
  ExternalRefParam,
  ListQuery,
  MerchantAction,
  OrderIdParam,
  PlaceOrderBody,
  ReasonBody,
  StorefrontPlaceOrderBody,
  WaitQuery,
} from './schemas';

export interface OrderRouteDeps {
  ports: OrderPorts;
  feed: OrderChangeFeed;
  auth: AuthSettings;
  longPollMaxSeconds: number;
  orders: {
    listForMerchant(merchantId: string, statuses: string[] | undefined, limit: number): Promise<Order[]>;
    listForCustomer(customerId: string, limit: number): Promise<Order[]>;
  };
}

/** An id a retry of the same request maps to, so a customer's double tap places one order. */
function orderIdFor(customerId: string, idempotencyKey: string | undefined): string {
  if (!idempotencyKey) return `ord_${randomUUID().replaceAll('-', '')}`;
  if (!/^[\x21-\x7e]{8,128}$/.test(idempotencyKey))
    throw AppError.invalid('Idempotency-Key must be 8–128 visible ASCII characters');
  return `ord_${createHash('sha256').update(`${customerId}\n${idempotencyKey}`).digest('hex').slice(0, 32)}`;
}

/** Resolves once the order is past `knownVersion`, or at the end of `ms`, with the order as it is then. */
/**
 * The client's leaving is the response's `close`, never the request's: a request emits `close`
 * once its body is read, so a GET that carried a body would look gone at once.
 */
function waitForChange(
  deps: OrderRouteDeps,
  orderId: string,
  knownVersion: number,
  ms: number,
  res: express.Response,
): Promise<Order | undefined> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      stopListening();
      clearTimeout(timer);
      res.off('close', finish);
      deps.ports.orders.get(orderId).then(resolve, () => resolve(undefined));
    };
    const stopListening = deps.feed.listen(orderId, (version) => version > knownVersion && finish());
    const timer = setTimeout(finish, ms);
    res.once('close', finish);
    // A change between the caller's read and our listening would otherwise be missed.
    void deps.ports.orders.get(orderId).then((order) => order && order.version > knownVersion && finish());
  });
}

function streamOrder(
  deps: OrderRouteDeps,
  principal: Principal,
  first: Order,
  req: express.Request,
  res: express.Response,
): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  // A HEAD gets the head only: a stream that writes no body never sends it, and the request would hang.
  if (req.method === 'HEAD') return void res.end();
  let sent = 0;
  const send = (order: Order) => {
    if (order.version <= sent) return;
    sent = order.version;
    res.write(
      `id: ${order.version}\nevent: order\ndata: ${JSON.stringify(orderView(order, principal, deps.ports.clock()))}\n\n`,
    );
  };
  const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), 15_000);
  // The stream lasts no longer than the token that opened it: then it says why and ends, and the terminal signs in again.
  const expiresAt = expiresAtOf(bearerToken(req.header('authorization')));
  const expiry = expiresAt
    ? setTimeout(
        () => {
          res.write(
            `event: unauthorized\ndata: ${JSON.stringify({ type: 'unauthorized', reason: 'token_expired' })}\n\n`,
          );
          close();
        },
        Math.max(0, Math.min(expiresAt.getTime() - Date.now(), 2_147_483_647)),
      )
    : undefined;
  let stopListening = () => undefined as void;
  const close = () => {
    clearInterval(heartbeat);
    clearTimeout(expiry);
    stopListening();
    res.end();
  };
  res.once('close', close);
  send(first);
  if (isAnswered(first.status)) return close();
  stopListening = deps.feed.listen(first.orderId, () => {
    void deps.ports.orders.get(first.orderId).then((order) => {
      if (!order) return;
      send(order);
      if (isAnswered(order.status)) close();
    });
  });
}

/** The storefront a storefront token speaks for: its tenant, which must be a storefront id. */
function storefrontOf(principal: Principal): string {
  if (!principal.tenant || !StorefrontId.safeParse(principal.tenant).success)
    throw AppError.forbidden(
      'a storefront token names its storefront as tenant: 1–64 visible ASCII characters without "/"',
    );
  return principal.tenant;
}

/**
 * A customer places for itself; a storefront for its customer, only under its own storefront id
 * (its token's tenant) and in its own namespace of customers (`storefrontCustomerId`).
 */
function placementOf(principal: Principal, req: express.Request) {
  if (principal.role === 'customer') {
    const body = parseInput(PlaceOrderBody, req.body);
    return {
      ...body,
      customerId: principal.subject,
      orderId: orderIdFor(principal.subject, req.header('idempotency-key')),
    };
  }
  const storefrontId = storefrontOf(principal);
  const { externalRef, customerId, ...order } = parseInput(StorefrontPlaceOrderBody, req.body);
  const storefront = { storefrontId, externalRef };
  return {
    ...order,
    customerId: storefrontCustomerId(storefrontId, customerId),
    orderId: storefrontOrderId(storefrontId, externalRef),
    storefront,
  };
}

export function orderRoutes(app: express.Express, deps: OrderRouteDeps): void {
  const auth = authenticated(deps.auth);
  const now = () => deps.ports.clock();

  app.post('/v1/orders', auth, async (req, res) => {
    const principal = principalOf(req);
    requireRole(principal, 'customer', 'storefront');
    const result = await placeOrder(deps.ports, placementOf(principal, req));
    if (!result.placed) throw refusalProblem(result.order);
    res
      .status(result.duplicate ? 200 : 201)
      .location(`/v1/orders/${result.order.orderId}`)
      .json(orderView(result.order, principal, now()));
  });

  app.get('/v1/orders', auth, async (req, res) => {
    const principal = principalOf(req);
    const query = parseInput(ListQuery, req.query, 'query');
    const statuses = query.status?.split(',');
    let orders: Order[];
    if (principal.role === 'merchant')
      orders = await deps.orders.listForMerchant(tenantOf(principal), statuses, query.limit);
    else if (principal.role === 'customer') orders = await deps.orders.listForCustomer(principal.subject, query.limit);
    else throw AppError.forbidden('orders are listed for customers and merchants');
    res.json({ orders: orders.map((o) => orderView(o, principal, now())) });
  });

  app.get('/v1/orders/:id', auth, async (req, res) => {
    const principal = principalOf(req);
    const { id } = parseInput(OrderIdParam, req.params, 'path');
    const query = parseInput(WaitQuery, req.query, 'query');
    let order = await viewOrder(deps.ports, principal, id);
    // A long-poll waits no longer than its token lives.
    const expiresAt = expiresAtOf(bearerToken(req.header('authorization')));
    const wait = Math.min(
      query.wait ?? 0,
      deps.longPollMaxSeconds,
      expiresAt ? Math.max(0, Math.floor((expiresAt.getTime() - Date.now()) / 1_000)) : Infinity,
    );
    if (
      wait > 0 &&
      query.knownVersion !== undefined &&
      order.version <= query.knownVersion &&
      !isAnswered(order.status)
    ) {
      order = (await waitForChange(deps, id, query.knownVersion, wait * 1_000, res)) ?? order;
    }
    if (res.writableEnded || res.closed) return;
    res.json(orderView(order, principal, now()));
  });

  /** A storefront reads its order by its own reference: the same answer as by order id, refused ones too. */
  app.get('/v1/storefront-orders/:externalRef', auth, async (req, res) => {
    const principal = principalOf(req);
    requireRole(principal, 'storefront');
    const storefrontId = storefrontOf(principal);
    const { externalRef } = parseInput(ExternalRefParam, req.params, 'path');
    const order = await viewOrder(deps.ports, principal, storefrontOrderId(storefrontId, externalRef));
    res.json(orderView(order, principal, now()));
  });

  app.get('/v1/orders/:id/stream', auth, async (req, res) => {
    const principal = principalOf(req);
    const { id } = parseInput(OrderIdParam, req.params, 'path');
    streamOrder(deps, principal, await viewOrder(deps.ports, principal, id), req, res);
  });

  app.get('/v1/orders/:id/history', auth, async (req, res) => {
    const { id } = parseInput(OrderIdParam, req.params, 'path');
    const order = await orderForActor(deps.ports, principalOf(req), id);
    res.json({ orderId: id, history: order.history.map((h) => ({ ...h, at: h.at.toISOString() })) });
  });

  app.post('/v1/orders/:id/:action', auth, async (req, res) => {
    const principal = principalOf(req);
    requireRole(principal, 'merchant');
    const { id } = parseInput(OrderIdParam, { id: req.params.id }, 'path');
    const action = parseInput(MerchantAction, req.params.action, 'action');
    const { reason } = parseInput(ReasonBody, req.body ?? {});
    const updated = await actOnOrder(deps.ports, principal, id, (order) =>
      changeOrder(
        deps.ports,
        { orderId: id, action, by: { role: 'merchant', subject: principal.subject }, reason },
        order,
      ),
    );
    res.json(orderView(updated, principal, now()));
  });
}
