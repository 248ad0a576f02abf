/**
 * The transactional outbox: `withEvents` puts a state change and its events in one MongoDB
 * document write; `OutboxRelay` publishes them and clears them once Kafka has them.
 */
export {
  withEvents,
  outboxForInsert,
  ensureOutboxIndexes,
  outboxFieldsHidden,
  type OutboxEntry,
  type OutboxFields,
  type QuarantinedEntry,
} from './outbox';
export { OutboxRelay, type OutboxRelayOptions, type HeldDocument, WRITE_LEASE_MARGIN_MS } from './outbox-relay';
export { outboxBacklog, type OutboxBacklog } from './outbox-backlog';
export {
  VersionedCollection,
  type VersionedCollectionOptions,
  type StoredDocument,
  type StoredFilter,
  type StoredUpdate,
  type ReadOptions,
  type InsertOutcome,
  type RelayOfWrites,
} from './versioned-collection';
export { outboxRelayOf } from './service-outbox';
