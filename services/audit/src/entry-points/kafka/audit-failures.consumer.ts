import { AuditFailed } from '@orderpulse/contracts';
import { on } from '@orderpulse/kafka';

import type { AuditPorts } from '../../domain/use-cases/ports';
import { receiveFailure } from '../../domain/use-cases/receive-failure.use-case';

/** Audit failures from the middle office, the same as the webhook takes them. */
export const failureIntake = (ports: AuditPorts) =>
  on(AuditFailed, async (event) => {
    await receiveFailure(ports, event.data);
  });
