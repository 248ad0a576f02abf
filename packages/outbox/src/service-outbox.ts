import { type Platform, trackOutbox } from '@orderpulse/service-kit';

import { outboxBacklog } from './outbox-backlog';
import { OutboxRelay, type OutboxRelayOptions } from './outbox-relay';
import type { VersionedCollection } from './versioned-collection';

/**
 * The relay of a service's versioned collection, on the platform's producer and logger, with the
 * collection's backlog on the platform's metrics (`outbox_pending_events{collection}` and
 * `outbox_oldest_event_age_seconds{collection}`, read at each scrape). The collection's writes
 * hand their events to it (`VersionedCollection.relayWith`) from its start to its stop. Start it
 * with the service's other work, and stop it before the producer disconnects.
 *
 * @throws Error when the platform has no Kafka producer.
 */
export function outboxRelayOf(
  platform: Pick<Platform, 'producer' | 'logger' | 'metrics'>,
  store: Pick<VersionedCollection<{ version: number }, never>, 'collection' | 'relayWith'>,
  options: Omit<OutboxRelayOptions, 'collection' | 'publisher' | 'logger'> = {},
): OutboxRelay {
  if (!platform.producer) throw new Error('an outbox relay needs the platform’s Kafka producer');
  const { collection } = store;
  trackOutbox(platform.metrics, collection.collectionName, () => outboxBacklog(collection));
  const relay = new OutboxRelay({ ...options, collection, publisher: platform.producer, logger: platform.logger });
  store.relayWith(relay);
  return relay;
}
