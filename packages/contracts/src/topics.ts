/**
 * Every Kafka topic orderpulse uses. Partitions, retention and dead-letter topics are
 * declared in `infra/kafka/topics.json` (topics as code); a test keeps the two in step.
 */
export const Topics = {
  /** Upstream storefronts emit the orders their customers place. */
  storefrontOrders: 'orderpulse.storefront.orders',
  /** What the order service answers each storefront order: the order taken for its reference, or the refusal and why. */
  storefrontReplies: 'orderpulse.storefront.replies',
  /** The order service's lifecycle events: placed, connected, accepted, adjudicated, delivered… */
  orderEvents: 'orderpulse.order.events',
  /** The B2B trading platform's orders confirmed by their buyers and sent to the middle office for review. */
  b2bOrders: 'orderpulse.b2b.orders',
  /** The B2B middle office reports audit failures. */
  auditFailures: 'orderpulse.audit.failures',
  /** The audit service's case events, including the audit-success message for the user system. */
  auditEvents: 'orderpulse.audit.events',
  /** The sharing service's share and processing events. */
  sharingEvents: 'orderpulse.sharing.events',
  /** The media service's attached photos and synthesized images. */
  mediaEvents: 'orderpulse.media.events',
  /** The notification service's delivery outcomes. */
  notificationEvents: 'orderpulse.notification.events',
} as const;

export type TopicName = (typeof Topics)[keyof typeof Topics];

/** The dead-letter topic of a consumed topic: one per consumed topic. */
export function deadLetterTopic(topic: string): string {
  return `${topic}.dlq`;
}
