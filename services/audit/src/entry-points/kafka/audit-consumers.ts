import { AuditFailed, B2bOrderConfirmed } from '@orderpulse/contracts';
import { on } from '@orderpulse/kafka';

import type { AuditPorts } from '../../domain/use-cases/deps';
import { receiveFailure } from '../../domain/use-cases/receive-failure.use-case';
import { recordOrder } from '../../domain/use-cases/record-order.use-case';

/** Orders the trading platform sent for review: kept, and matched to parked failures. */
export const orderIntake = (ports: AuditPorts) =>
  on(B2bOrderConfirmed, async (event) => recordOrder(ports, event.data));

/** Audit failures from the middle office, the same as the webhook takes them. */
export const failureIntake = (ports: AuditPorts) =>
  on(AuditFailed, async (event) => {
    await receiveFailure(ports, event.data);
  });
