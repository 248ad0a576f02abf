import { EventCatalog, type EventDefinition } from './define-event';
import { MediaAttached } from './events/media-attached.event';
import { OrderAssigned } from './events/order-assigned.event';
import { OrderPlaced } from './events/order-placed.event';
import { OrderRefused } from './events/order-refused.event';
import { OrderStatusChanged } from './events/order-status-changed.event';
import { OrderStockingReported } from './events/order-stocking-reported.event';
import { StorefrontOrderPlaced } from './events/storefront-order-placed.event';

/** Every event type orderpulse publishes or consumes. */
export const allEvents: readonly EventDefinition[] = [
  StorefrontOrderPlaced,
  OrderPlaced,
  OrderRefused,
  OrderStatusChanged,
  OrderAssigned,
  OrderStockingReported,
  MediaAttached,
];

export const eventCatalog = new EventCatalog(allEvents);
