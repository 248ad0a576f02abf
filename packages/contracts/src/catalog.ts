import { EventCatalog, type EventDefinition } from './define-event';
import { StorefrontOrderPlaced } from './events/storefront-order-placed.event';

/** Every event type orderpulse publishes or consumes. */
export const allEvents: readonly EventDefinition[] = [StorefrontOrderPlaced];

export const eventCatalog = new EventCatalog(allEvents);
