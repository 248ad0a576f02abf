/**
 * Idempotent consumption. Kafka delivers at least once; these make the effect of an event
 * happen once: `applyOnce` for an update to one document (the event id is recorded in the
 * same write), `insertOnce` for a document created from an event (a unique key does it).
 */
export { applyOnce, insertOnce, processedEventsField, type ApplyOutcome } from './apply-once';
