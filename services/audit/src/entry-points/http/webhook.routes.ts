import { AuditFailure } from '@orderpulse/contracts';
import { AppError, parseInput } from '@orderpulse/service-kit';
import type express from 'express';

import type { AuditPorts } from '../../domain/use-cases/ports';
import { receiveFailure } from '../../domain/use-cases/receive-failure.use-case';
import { signatureHeaders, verifySignature } from '../../domain/webhook-signature';

/** The middle office's audit-failure webhook: HMAC-signed with a timestamp, idempotent by notification id. */
export function webhookRoutes(
  app: express.Express,
  deps: { ports: AuditPorts; secret: string; toleranceSeconds: number },
): void {
  app.post('/v1/audit/failures', async (req, res) => {
    const check = verifySignature(
      deps.secret,
      { timestamp: req.header(signatureHeaders.timestamp), signature: req.header(signatureHeaders.signature) },
      req.rawBody ?? Buffer.alloc(0),
      deps.ports.clock(),
      deps.toleranceSeconds,
    );
    if (!check.ok) throw new AppError('UNAUTHENTICATED', check.reason);
    const failure = parseInput(AuditFailure, req.body);
    const { case: c, created } = await receiveFailure(deps.ports, failure);
    res.status(created ? 202 : 200).json({ caseId: c.caseId, status: c.status, duplicate: !created });
  });
}
