import { type AuthSettings, authenticated, parseInput, principalOf, requireRole } from '@orderpulse/service-kit';
import type express from 'express';

import { confirmUpload } from '../../domain/use-cases/confirm-upload.use-case';
import { grantUpload } from '../../domain/use-cases/grant-upload.use-case';
import type { MediaPorts } from '../../domain/use-cases/ports';
import { readMedia } from '../../domain/use-cases/read-media.use-case';
import { GrantBody, GrantPath, MediaPath, OrderPath } from './schemas';

/**
 * Upload grants and confirmations for the order's merchant and rider; fresh image links for the
 * order's readers. The policy is public to every authenticated caller, so terminals know which
 * statuses ask for a photo.
 */
export function mediaRoutes(app: express.Express, deps: { ports: MediaPorts; auth: AuthSettings }): void {
  const auth = authenticated(deps.auth);
  const { ports } = deps;

  app.get('/v1/media/policy', auth, (_req, res) => {
    res.json({
      policy: ports.settings.policy,
      graceSeconds: ports.settings.graceSeconds,
      maxBytes: ports.settings.limits.maxBytes,
    });
  });

  app.post('/v1/orders/:orderId/media/:status/grants', auth, async (req, res) => {
    const principal = principalOf(req);
    requireRole(principal, 'merchant', 'rider');
    const { orderId, status } = parseInput(MediaPath, req.params, 'path');
    const grant = await grantUpload(ports, orderId, status, principal, parseInput(GrantBody, req.body));
    res.status(201).json(grant);
  });

  app.post('/v1/orders/:orderId/media/:status/grants/:grantId/confirm', auth, async (req, res) => {
    const principal = principalOf(req);
    requireRole(principal, 'merchant', 'rider');
    const { orderId, status, grantId } = parseInput(GrantPath, req.params, 'path');
    res.status(201).json(await confirmUpload(ports, orderId, status, grantId, principal));
  });

  app.get('/v1/orders/:orderId/media', auth, async (req, res) => {
    const { orderId } = parseInput(OrderPath, req.params, 'path');
    res.json({ orderId, media: await readMedia(ports, orderId, principalOf(req)) });
  });

  app.get('/v1/orders/:orderId/media/:status', auth, async (req, res) => {
    const { orderId, status } = parseInput(MediaPath, req.params, 'path');
    const [view] = await readMedia(ports, orderId, principalOf(req), status);
    res.set('cache-control', 'no-store').json(view);
  });
}
