/**
 * orderpulse's event contracts: the CloudEvents envelope and its Kafka encoding, one schema,
 * version and example per event type, topic names, and the AsyncAPI document built from them.
 */
import { buildAsyncApi } from './asyncapi';
import { eventCatalog } from './catalog';

export * from './envelope';
export * from './define-event';
export * from './topics';
export * from './catalog';
export * from './human-text';
export * from './order-words';
export * from './events/storefront-order-placed.event';
export * from './events/storefront-order-replies.event';
export * from './events/order-snapshot';
export * from './events/order-placed.event';
export * from './events/order-refused.event';
export * from './events/order-status-changed.event';
export * from './events/order-assigned.event';
export * from './events/order-awaiting-rider.event';
export * from './events/order-stocking-reported.event';
export * from './events/b2b-order-confirmed.event';
export * from './events/audit-failed.event';
export * from './events/audit-case.events';
export * from './events/share-snapshot';
export * from './events/share-offered.event';
export * from './events/share-claimed.event';
export * from './events/share-expired.event';
export * from './events/share-revoked.event';
export * from './events/share-declined.event';
export * from './events/guarantee-order-processed.event';
export * from './events/media-attached.event';
export * from './http/order-api';
export * from './http/notification-api';
export * from './http/sharing-api';
export * from './http/audit-api';
export * from './http/media-api';
export { buildAsyncApi } from './asyncapi';

/** The AsyncAPI document of every orderpulse event, as committed in `asyncapi.json`. */
export function renderAsyncApi(): string {
  return `${JSON.stringify(buildAsyncApi(eventCatalog, '1.0.0'), null, 2)}\n`;
}
