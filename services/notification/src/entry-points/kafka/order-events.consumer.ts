import {
  OrderAssigned,
  OrderAwaitingRider,
  OrderPlaced,
  OrderRefused,
  OrderStatusChanged,
  OrderStockingReported,
} from '@orderpulse/contracts';
import { on } from '@orderpulse/kafka';

import { notify } from '../../domain/use-cases/notify.use-case';
import type { NotificationPorts } from '../../domain/use-cases/ports';

/** Every order event becomes the notices its routing decides; each handler only names its type. */
export function orderEventHandlers(ports: NotificationPorts) {
  return [
    on(OrderPlaced, (event) => notify(ports, { id: event.id, type: 'order.placed', data: event.data })),
    on(OrderRefused, (event) => notify(ports, { id: event.id, type: 'order.refused', data: event.data })),
    on(OrderStatusChanged, (event) => notify(ports, { id: event.id, type: 'order.status-changed', data: event.data })),
    on(OrderAssigned, (event) => notify(ports, { id: event.id, type: 'order.assigned', data: event.data })),
    on(OrderAwaitingRider, (event) => notify(ports, { id: event.id, type: 'order.awaiting-rider', data: event.data })),
    on(OrderStockingReported, (event) =>
      notify(ports, { id: event.id, type: 'order.stocking-reported', data: event.data }),
    ),
  ];
}
