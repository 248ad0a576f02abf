/**
 * orderpulse's Kafka runtime. The only package that imports the Kafka client: services see
 * `KafkaClient`, `EventProducer`, `EventConsumer`, `replayDeadLetters` and `applyTopics`,
 * so swapping the client touches this package alone.
 */
export { KafkaClient, type KafkaSettings } from './kafka-client';
export {
  kafkaConnection,
  kafkaConnectionFromEnv,
  SaslMechanisms,
  type KafkaConnectionConfig,
  type SaslMechanism,
} from './connection-env';
export {
  EventProducer,
  type EventPublisher,
  type OutgoingEvent,
  type ProducerObserver,
  type RawRecord,
} from './event-producer';
export {
  EventConsumer,
  on,
  type ConsumerOptions,
  type ConsumerState,
  type ConsumerStatus,
  type EventHandler,
  type MessageContext,
} from './event-consumer';
export { DeadLetterHeader, ReplayedFromHeader } from './dead-letter';
export { replayDeadLetters, type ReplayFilter, type ReplayResult } from './dlq-replay';
export { messagesWithKey, partitionOfKey, scannedHeader, scanTopic, type ScannedMessage } from './topic-scan';
export {
  applyTopics,
  describeCluster,
  pingKafka,
  plannedTopics,
  type PlannedTopic,
  type TopicSpec,
  type TopicsFile,
  type ApplyReport,
} from './topic-admin';
export { ConsumerLagReader, type DeadLetterCount, type LagReport, type PartitionLag } from './consumer-lag';
export {
  backoffDelay,
  defaultHoldPolicy,
  defaultRetryPolicy,
  failureKind,
  isRetryable,
  isTransient,
  TransientError,
  type FailureKind,
  type HoldPolicy,
  type RetryPolicy,
} from './retry-policy';
export { silentLogger, type Logger } from './logger';
export { kafkaNames, type KafkaNames } from './names';
