import { OrderAssigned, OrderPlaced, OrderStatusChanged, OrderStockingReported } from '@orderpulse/contracts';
import { on } from '@orderpulse/kafka';

import type { MediaPorts } from '../../domain/use-cases/ports';
import { recordOrderEvent } from '../../domain/use-cases/record-order-event.use-case';

/** Every order event carries the order's snapshot; each one feeds the same use case, stamped with the event's time. */
export function orderEventHandlers(ports: MediaPorts) {
  return [
    on(OrderPlaced, (event) => recordOrderEvent(ports, event.data, new Date(event.time))),
    on(OrderStatusChanged, (event) => recordOrderEvent(ports, event.data, new Date(event.time))),
    on(OrderAssigned, (event) => recordOrderEvent(ports, event.data, new Date(event.time))),
    on(OrderStockingReported, (event) => recordOrderEvent(ports, event.data, new Date(event.time))),
  ];
}
