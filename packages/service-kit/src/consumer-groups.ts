import {
  type ConsumerOptions,
  EventConsumer,
  type EventHandler,
  type KafkaClient,
  kafkaNames,
} from '@orderpulse/kafka';

import type { ServiceName } from './auth';
import { recordLogContext } from './logger';

/** The config keys a service's consumer groups are made from (`kafkaEnv`). */
export interface ConsumerGroupConfig {
  KAFKA_TOPIC_PREFIX: string;
  KAFKA_SESSION_TIMEOUT_MS: number;
}

/** Makes one consumer group of the service: its name, the topic it reads (unprefixed), its handlers. */
export type ConsumerGroupFactory = (
  name: string,
  topic: string,
  handlers: readonly EventHandler[],
  options?: Pick<ConsumerOptions, 'unknownTypes' | 'partitionsConsumedConcurrently'>,
) => EventConsumer;

/**
 * The one way a service makes its consumer groups: each named `<prefix>orderpulse.<service>.<name>`
 * (`kafkaNames`; a group renamed loses its committed offsets, so names never change), reading one
 * topic, with the configured session timeout, and each record handled with its topic, partition,
 * offset and subject (under `subjectField`, e.g. `orderId`) in the log context.
 */
export function consumerGroupsOf(
  kafka: KafkaClient,
  service: ServiceName,
  config: ConsumerGroupConfig,
  subjectField: string,
): ConsumerGroupFactory {
  const { topic, group } = kafkaNames(config.KAFKA_TOPIC_PREFIX, service);
  const around = recordLogContext(subjectField);
  return (name, source, handlers, options = {}) =>
    new EventConsumer(kafka, {
      ...options,
      groupId: group(name),
      topics: [topic(source)],
      handlers,
      around,
      sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
    });
}
