import { EventCatalog, type EventDefinition } from './define-event';
import { AuditCaseEscalated, AuditCaseOpened, AuditPassed, AuditResubmissionFailed } from './events/audit-case.events';
import { AuditFailed } from './events/audit-failed.event';
import { B2bOrderConfirmed } from './events/b2b-order-confirmed.event';
import { GuaranteeOrderProcessed } from './events/guarantee-order-processed.event';
import { MediaAttached } from './events/media-attached.event';
import { OrderAssigned } from './events/order-assigned.event';
import { OrderAwaitingRider } from './events/order-awaiting-rider.event';
import { OrderPlaced } from './events/order-placed.event';
import { OrderRefused } from './events/order-refused.event';
import { OrderStatusChanged } from './events/order-status-changed.event';
import { OrderStockingReported } from './events/order-stocking-reported.event';
import { ShareClaimed } from './events/share-claimed.event';
import { ShareDeclined } from './events/share-declined.event';
import { ShareExpired } from './events/share-expired.event';
import { ShareOffered } from './events/share-offered.event';
import { ShareRevoked } from './events/share-revoked.event';
import { StorefrontOrderPlaced } from './events/storefront-order-placed.event';
import { StorefrontOrderRefused, StorefrontOrderTaken } from './events/storefront-order-replies.event';

/** Every event type orderpulse publishes or consumes. */
export const allEvents: readonly EventDefinition[] = [
  StorefrontOrderPlaced,
  StorefrontOrderTaken,
  StorefrontOrderRefused,
  OrderPlaced,
  OrderRefused,
  OrderStatusChanged,
  OrderAssigned,
  OrderAwaitingRider,
  OrderStockingReported,
  B2bOrderConfirmed,
  AuditFailed,
  AuditCaseOpened,
  AuditCaseEscalated,
  AuditResubmissionFailed,
  AuditPassed,
  ShareOffered,
  ShareClaimed,
  ShareExpired,
  ShareRevoked,
  ShareDeclined,
  GuaranteeOrderProcessed,
  MediaAttached,
];

export const eventCatalog = new EventCatalog(allEvents);
