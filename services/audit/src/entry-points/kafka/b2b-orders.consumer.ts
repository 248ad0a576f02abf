import { B2bOrderConfirmed } from '@orderpulse/contracts';
import { on } from '@orderpulse/kafka';

import type { AuditPorts } from '../../domain/use-cases/ports';
import { recordOrder } from '../../domain/use-cases/record-order.use-case';

/** Orders the trading platform sent for review: kept, and matched to parked failures. */
export const orderIntake = (ports: AuditPorts) =>
  on(B2bOrderConfirmed, async (event) => recordOrder(ports, event.data));
