import {
  type AuthSettings,
  authenticated,
  deprecation,
  parseInput,
  principalOf,
  AppError,
} from '@orderpulse/service-kit';
import type express from 'express';

import type { PushLogRepository } from '../../data-access/push-log.repository';
import { recipientKey, recipientOf } from '../../domain/recipients';
import { pushLogFirstPath } from './api';
import { PushLogQuery } from './schemas';

/**
 * The push log: every push and its tries, per order or per recipient, at `GET /v1/pushes` (and
 * at its deprecated first path, `GET /v1/deliveries`, until its sunset). Admins read everyone's;
 * a recipient only what was sent to it; a service or storefront nothing (least privilege).
 */
export function pushLogRoutes(app: express.Express, deps: { log: PushLogRepository; auth: AuthSettings }): void {
  const read = async (req: express.Request) => {
    const principal = principalOf(req);
    const query = parseInput(PushLogQuery, req.query, 'query');
    const everyone = principal.role === 'admin';
    const own = everyone ? undefined : recipientKey(recipientOf(principal));
    if (own && query.recipient && query.recipient !== own)
      throw AppError.forbidden('you may read only what was sent to you');
    const recipient = own ?? query.recipient;
    let pushes;
    if (query.orderId) pushes = await deps.log.forOrder(query.orderId, query.limit, recipient ?? 'everyone');
    else if (recipient) pushes = await deps.log.forRecipient(recipient, query.limit);
    else throw AppError.invalid('name an orderId or a recipient');
    return pushes.map(({ key, ...rest }) => ({ idempotencyKey: key, ...rest }));
  };

  app.get('/v1/pushes', authenticated(deps.auth), async (req, res) => {
    res.json({ pushes: await read(req) });
  });
  app.get('/v1/deliveries', deprecation(pushLogFirstPath), authenticated(deps.auth), async (req, res) => {
    res.json({ deliveries: await read(req) });
  });
}
