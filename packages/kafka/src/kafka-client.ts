import { Kafka, logLevel, type LogEntry, type SASLOptions } from 'kafkajs';

import { type Logger, silentLogger } from './logger';

export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  /** TLS to the brokers (MSK, Confluent Cloud). */
  ssl?: boolean;
  /** PEM certificates of a private CA the brokers' certificates chain to; the system's CAs otherwise. */
  sslCa?: string;
  /** SASL over TLS; kafkajs' plain and SCRAM mechanisms. */
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
  connectionTimeoutMs?: number;
}

function toLogger(logger: Logger) {
  return () =>
    ({ level, log }: LogEntry) => {
      const { message, ...rest } = log;
      const entry = { component: 'kafka', ...rest };
      if (level === logLevel.ERROR) logger.error(entry, message);
      else if (level === logLevel.WARN) logger.warn(entry, message);
      else if (level === logLevel.INFO) logger.info(entry, message);
      else logger.debug(entry, message);
    };
}

/** The connection to a Kafka cluster; every producer, consumer and admin here comes from it. */
export class KafkaClient {
  /** @internal */
  readonly kafka: Kafka;

  constructor(
    readonly settings: KafkaSettings,
    readonly logger: Logger = silentLogger,
  ) {
    this.kafka = new Kafka({
      clientId: settings.clientId,
      brokers: settings.brokers,
      ...(settings.ssl ? { ssl: settings.sslCa ? { ca: [settings.sslCa] } : true } : {}),
      ...(settings.sasl ? { sasl: settings.sasl as SASLOptions } : {}),
      connectionTimeout: settings.connectionTimeoutMs ?? 3_000,
      logLevel: logLevel.WARN,
      logCreator: toLogger(logger),
    });
  }
}
