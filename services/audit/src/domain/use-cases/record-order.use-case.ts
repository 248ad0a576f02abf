import type { B2bOrder } from '@orderpulse/contracts';

import type { AuditPorts } from './ports';
import { lookForOrder } from './receive-failure.use-case';

/** Keeps a confirmed B2B order, and opens the parked cases that were waiting for it. Idempotent. */
export async function recordOrder(ports: AuditPorts, order: B2bOrder): Promise<void> {
  await ports.orders.save(order);
  for (const waiting of await ports.cases.waitingFor(order.orderNo, order.preOrderNo))
    await lookForOrder(ports, waiting.caseId);
}
