import { type AuthSettings, authenticated, parseInput, principalOf, AppError } from '@orderpulse/service-kit';
import type express from 'express';

import type { DeliveryLogRepository } from '../../data-access/delivery-log.repository';
import { recipientKey, recipientOf } from '../../domain/recipients';
import { DeliveryQuery } from './schemas';

/**
 * The delivery log: every push and its tries, per order or per recipient. Admins read everyone's;
 * a recipient only what was sent to it; a service or storefront nothing (least privilege).
 */
export function deliveryRoutes(app: express.Express, deps: { log: DeliveryLogRepository; auth: AuthSettings }): void {
  app.get('/v1/deliveries', authenticated(deps.auth), async (req, res) => {
    const principal = principalOf(req);
    const query = parseInput(DeliveryQuery, req.query, 'query');
    const everyone = principal.role === 'admin';
    const own = everyone ? undefined : recipientKey(recipientOf(principal));
    if (own && query.recipient && query.recipient !== own)
      throw AppError.forbidden('you may read only your own deliveries');
    const recipient = own ?? query.recipient;
    let deliveries;
    if (query.orderId) deliveries = await deps.log.forOrder(query.orderId, query.limit, recipient ?? 'everyone');
    else if (recipient) deliveries = await deps.log.forRecipient(recipient, query.limit);
    else throw AppError.invalid('name an orderId or a recipient');
    res.json({ deliveries: deliveries.map(({ key, ...rest }) => ({ idempotencyKey: key, ...rest })) });
  });
}
