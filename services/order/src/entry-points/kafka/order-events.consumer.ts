import { OrderStatusChanged } from '@orderpulse/contracts';
import { on } from '@orderpulse/kafka';

import { assignDelivery } from '../../domain/use-cases/deliver-order.use-case';
import type { OrderPorts } from '../../domain/use-cases/ports';

/** An accepted or dispatched order gets a delivery terminal; the event survives a crash between the two. */
export function deliveryAssigner(ports: OrderPorts) {
  return on(OrderStatusChanged, async (event) => {
    if (event.data.status === 'accepted' || event.data.status === 'dispatched')
      await assignDelivery(ports, event.data.orderId);
  });
}
