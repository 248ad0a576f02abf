import { ConsumerLagReader, type EventProducer, type KafkaClient, type LagReport } from '@orderpulse/kafka';
import type mongoose from 'mongoose';
import { Counter, Gauge, type Registry } from 'prom-client';

import { commandFilters, filterShape, servedByIndex } from './index-use';
import type { Logger } from './logger';

/**
 * Consumer lag per group and partition, and dead-letter topic sizes, for the groups `wanted`
 * accepts, read every `intervalMs` (not on each scrape, so a slow broker never stalls `/metrics`).
 * Metrics (names as the Prometheus Kafka exporter's, so existing dashboards read them):
 * - `kafka_consumergroup_lag{group,topic,partition}`: messages not yet committed;
 * - `kafka_consumergroup_current_offset{group,topic,partition}`: the committed offset;
 * - `kafka_dlq_messages{topic}`: messages retained in `<topic>.dlq` (the consumed topic is the label);
 * - `kafka_lag_read_timestamp_seconds`: when the figures were last read (stale figures alert).
 */
export function trackConsumerLag(
  registry: Registry,
  kafka: KafkaClient,
  wanted: (groupId: string) => boolean,
  logger: Logger,
  intervalMs = 15_000,
): { stop: () => Promise<void> } {
  const reader = new ConsumerLagReader(kafka, wanted);
  let report: LagReport = { partitions: [], deadLetters: [] };
  let readAt = 0;
  const labels = ['group', 'topic', 'partition'] as const;
  new Gauge({
    name: 'kafka_consumergroup_lag',
    help: 'Messages behind the high watermark, by consumer group and partition',
    labelNames: labels,
    registers: [registry],
    collect() {
      this.reset();
      for (const p of report.partitions)
        this.set({ group: p.groupId, topic: p.topic, partition: String(p.partition) }, p.lag);
    },
  });
  new Gauge({
    name: 'kafka_consumergroup_current_offset',
    help: 'Committed offset by consumer group and partition',
    labelNames: labels,
    registers: [registry],
    collect() {
      this.reset();
      for (const p of report.partitions)
        this.set({ group: p.groupId, topic: p.topic, partition: String(p.partition) }, p.committed);
    },
  });
  new Gauge({
    name: 'kafka_dlq_messages',
    help: 'Messages retained in the dead-letter topic of a consumed topic',
    labelNames: ['topic'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const d of report.deadLetters) this.set({ topic: d.topic }, d.messages);
    },
  });
  new Gauge({
    name: 'kafka_lag_read_timestamp_seconds',
    help: 'When consumer lag was last read from the brokers (Unix seconds)',
    registers: [registry],
    collect() {
      this.set(readAt / 1000);
    },
  });
  let reading: Promise<void> | undefined;
  const read = () => {
    reading ??= reader
      .read()
      .then(
        (r) => {
          report = r;
          readAt = Date.now();
        },
        (error: unknown) => logger.warn({ err: error }, 'consumer lag could not be read'),
      )
      .finally(() => (reading = undefined));
    return reading;
  };
  void read();
  const timer = setInterval(() => void read(), intervalMs);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await reading;
      await reader.close();
    },
  };
}

/** Something that can say how many of its timers wait (a `TimerQueue`). */
export interface TimerSource {
  readonly name: string;
  pending(): Promise<number>;
}

/** `timers_pending{queue}`: delayed, waiting and running BullMQ jobs per queue, read on scrape. */
export function trackTimers(registry: Registry, queues: readonly TimerSource[]): void {
  new Gauge({
    name: 'timers_pending',
    help: 'Timers (BullMQ jobs) delayed, waiting or running, by queue',
    labelNames: ['queue'] as const,
    registers: [registry],
    async collect() {
      const counts = await Promise.all(
        queues.map(async (q) => [q.name, await q.pending().catch(() => Number.NaN)] as const),
      );
      for (const [queue, count] of counts) this.set({ queue }, count);
    },
  });
}

/** What an outbox reader reports (`outboxBacklog` from `@orderpulse/outbox`). */
export interface OutboxFigures {
  pendingEvents: number;
  oldestAgeSeconds: number;
}

/**
 * `outbox_pending_events{collection}` and `outbox_oldest_event_age_seconds{collection}`, read on
 * scrape: events written with their state change and not yet acknowledged by Kafka.
 */
export function trackOutbox(registry: Registry, collection: string, read: () => Promise<OutboxFigures>): void {
  let last: OutboxFigures | undefined;
  const figures = async () =>
    (last = await read().catch(() => last ?? { pendingEvents: Number.NaN, oldestAgeSeconds: Number.NaN }));
  let pending: Promise<OutboxFigures> | undefined;
  // Both gauges are collected in one scrape; one read serves them.
  const shared = () => (pending ??= figures().finally(() => setImmediate(() => (pending = undefined))));
  new Gauge({
    name: 'outbox_pending_events',
    help: 'Events in outboxes not yet relayed to Kafka',
    labelNames: ['collection'] as const,
    registers: [registry],
    async collect() {
      this.set({ collection }, (await shared()).pendingEvents);
    },
  });
  new Gauge({
    name: 'outbox_oldest_event_age_seconds',
    help: 'Age of the oldest event waiting in an outbox (0 when none)',
    labelNames: ['collection'] as const,
    registers: [registry],
    async collect() {
      this.set({ collection }, (await shared()).oldestAgeSeconds);
    },
  });
}

/**
 * `mongodb_client_commands_total{command,collection}`: every command the service's MongoDB driver
 * sends (`find`, `insert`, `update`, `findAndModify`, `aggregate`, `getMore`, …) and the collection
 * it names (empty for database commands such as `ping`), from the driver's
 * command monitoring (`commandStarted`; the connection must be opened with `monitorCommands`, as
 * `connectMongo` does with `MONGO_MONITOR_COMMANDS=true`). Server monitoring (`hello` heartbeats) is not a command and is not counted.
 * The work a change costs, independent of the machine: the benchmark divides it by lifecycles.
 *
 * `mongodb_client_scans_total{command,collection,filter}`: of those, the filters no unique index
 * (nor `_id`) answers exactly (`servedByIndex`), by their top-level fields — the queries the local
 * wire-compatible server answers by reading the whole collection, holding its writes meanwhile,
 * at a cost that grows with the collection. A change's own work should have none; a background
 * pass may, when it is rare. The unique indexes are read once per collection (`listIndexes`, also
 * counted) and again after the service creates one there.
 */
export function trackMongoCommands(registry: Registry, connection: mongoose.Connection): void {
  const commands = new Counter({
    name: 'mongodb_client_commands_total',
    help: 'Commands sent by the MongoDB driver, by command and collection',
    labelNames: ['command', 'collection'] as const,
    registers: [registry],
  });
  const scans = new Counter({
    name: 'mongodb_client_scans_total',
    help: 'Commands whose filter no unique index answers exactly (the local server scans the collection), by command, collection and filter fields',
    labelNames: ['command', 'collection', 'filter'] as const,
    registers: [registry],
  });
  const client = connection.getClient();
  const uniqueKeys = new Map<string, Promise<string[][]>>();
  const keysOf = (db: string, collection: string) => {
    const key = `${db}.${collection}`;
    let known = uniqueKeys.get(key);
    if (!known) {
      known = client
        .db(db)
        .collection(collection)
        .indexes()
        .then(
          (indexes) => indexes.filter((i) => i.unique).map((i) => Object.keys(i.key)),
          () => [],
        );
      uniqueKeys.set(key, known);
    }
    return known;
  };
  // A collection's indexes are read again once an index made there is built (not when asked for: a command between would cache the old list).
  const creating = new Map<number, string>();
  const built = (event: { requestId: number }) => {
    const key = creating.get(event.requestId);
    if (key === undefined) return;
    creating.delete(event.requestId);
    uniqueKeys.delete(key);
  };
  client.on('commandSucceeded', built);
  client.on('commandFailed', built);
  client.on('commandStarted', (event) => {
    const named: unknown = event.command[event.commandName];
    // getMore names its collection in `collection`; the others under their own name.
    const collection: unknown = event.commandName === 'getMore' ? event.command.collection : named;
    commands.inc({ command: event.commandName, collection: typeof collection === 'string' ? collection : '' });
    if (event.commandName === 'createIndexes' && typeof collection === 'string')
      creating.set(event.requestId, `${event.databaseName}.${collection}`);
    const filters = commandFilters(event.commandName, event.command);
    if (filters.length === 0 || typeof collection !== 'string') return;
    void keysOf(event.databaseName, collection).then((keys) => {
      for (const filter of filters)
        if (!servedByIndex(filter, keys))
          scans.inc({ command: event.commandName, collection, filter: filterShape(filter) });
    });
  });
}

/**
 * `kafka_producer_requests_total{api}`: the requests the service's producer sends to the brokers,
 * by Kafka API (`Produce`, `Metadata`, …; kafkajs' `producer.network.request` instrumentation event);
 * `kafka_producer_records_total` and `kafka_producer_record_bytes_total`: the records the brokers
 * acknowledged and their bytes (keys, values and headers, before protocol framing).
 */
export function trackKafkaProducer(registry: Registry, producer: EventProducer): void {
  const requests = new Counter({
    name: 'kafka_producer_requests_total',
    help: 'Requests the producer sent to the brokers, by Kafka API',
    labelNames: ['api'] as const,
    registers: [registry],
  });
  const records = new Counter({
    name: 'kafka_producer_records_total',
    help: 'Records the brokers acknowledged',
    registers: [registry],
  });
  const bytes = new Counter({
    name: 'kafka_producer_record_bytes_total',
    help: 'Bytes of the acknowledged records (keys, values, headers)',
    registers: [registry],
  });
  producer.observe({
    request: (api) => requests.inc({ api }),
    sent: (count, size) => {
      records.inc(count);
      bytes.inc(size);
    },
  });
}
