import type { OrderRepository } from '../../data-access/order.repository';
import { assignDelivery } from '../../domain/use-cases/deliver-order.use-case';
import type { OrderPorts } from '../../domain/use-cases/deps';

export interface AssignmentRetryReport {
  checked: number;
  assigned: number;
}

/** Offers every accepted order without a terminal to the terminals again, oldest first, a page at a time. */
export async function retryAssignments(ports: OrderPorts, orders: Pick<OrderRepository, 'unassigned'>): Promise<AssignmentRetryReport> {
  const report: AssignmentRetryReport = { checked: 0, assigned: 0 };
  for await (const orderId of orders.unassigned()) {
    report.checked += 1;
    if ((await assignDelivery(ports, orderId))?.terminalId) report.assigned += 1;
  }
  return report;
}
