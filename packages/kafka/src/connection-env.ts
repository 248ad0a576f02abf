import { readFileSync } from 'node:fs';

import type { KafkaSettings } from './kafka-client';

/** SASL mechanisms kafkajs speaks that need nothing beyond a user name and password. */
export const SaslMechanisms = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
export type SaslMechanism = (typeof SaslMechanisms)[number];

/**
 * How to reach a Kafka cluster, under the environment keys every service, the CLI, the topics Job
 * and the Kafka tools wrapper read alike:
 *
 * - `KAFKA_BROKERS`: `host:port[,host:port…]`
 * - `KAFKA_SSL`: TLS (MSK :9094, Confluent Cloud); `KAFKA_SSL_CA_FILE`: a PEM bundle of a private CA
 * - `KAFKA_SASL_MECHANISM`: `plain`, `scram-sha-256` or `scram-sha-512`, with `KAFKA_SASL_USERNAME` and
 *   `KAFKA_SASL_PASSWORD` (kafkajs' SASL options).
 */
export interface KafkaConnectionConfig {
  KAFKA_BROKERS: string[];
  KAFKA_SSL?: boolean | undefined;
  KAFKA_SSL_CA_FILE?: string | undefined;
  KAFKA_SASL_MECHANISM?: SaslMechanism | undefined;
  KAFKA_SASL_USERNAME?: string | undefined;
  KAFKA_SASL_PASSWORD?: string | undefined;
}

/**
 * The client settings for a connection config. SASL without TLS would send the password in the
 * clear, so it is refused.
 *
 * @throws Error naming every key that is missing or contradicts another.
 */
export function kafkaConnection(config: KafkaConnectionConfig, clientId: string): KafkaSettings {
  const problems: string[] = [];
  const ssl = config.KAFKA_SSL ?? false;
  if (config.KAFKA_BROKERS.length === 0) problems.push('KAFKA_BROKERS is not set');
  const settings: KafkaSettings = { brokers: config.KAFKA_BROKERS, clientId, ssl };
  if (config.KAFKA_SSL_CA_FILE) {
    if (ssl) settings.sslCa = readFileSync(config.KAFKA_SSL_CA_FILE, 'utf8');
    else problems.push('KAFKA_SSL_CA_FILE needs KAFKA_SSL=true');
  }
  const mechanism = config.KAFKA_SASL_MECHANISM;
  if (mechanism) {
    const { KAFKA_SASL_USERNAME: username, KAFKA_SASL_PASSWORD: password } = config;
    if (!username || !password) problems.push('KAFKA_SASL_MECHANISM needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD');
    if (!ssl) problems.push('SASL without KAFKA_SSL=true would send the password in the clear');
    settings.sasl = { mechanism, username: username ?? '', password: password ?? '' };
  }
  if (problems.length > 0) throw new Error(`Kafka connection: ${problems.join('; ')}`);
  return settings;
}

/**
 * The same config read from raw environment strings, for the command-line tools (services read
 * theirs through their validated config schema).
 *
 * @throws Error naming every key that is missing or wrong.
 */
export function kafkaConnectionFromEnv(env: Record<string, string | undefined>, clientId: string): KafkaSettings {
  const problems: string[] = [];
  const flag = (key: string): boolean => {
    const raw = env[key];
    if (raw === undefined || raw === '' || raw === 'false') return false;
    if (raw === 'true') return true;
    problems.push(`${key} must be true or false`);
    return false;
  };
  const mechanism = env.KAFKA_SASL_MECHANISM?.toLowerCase();
  if (mechanism && !(SaslMechanisms as readonly string[]).includes(mechanism))
    problems.push(`KAFKA_SASL_MECHANISM must be one of ${SaslMechanisms.join(', ')}`);
  const config: KafkaConnectionConfig = {
    KAFKA_BROKERS: (env.KAFKA_BROKERS ?? '')
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean),
    KAFKA_SSL: flag('KAFKA_SSL'),
    KAFKA_SSL_CA_FILE: env.KAFKA_SSL_CA_FILE || undefined,
    KAFKA_SASL_MECHANISM: mechanism ? (mechanism as SaslMechanism) : undefined,
    KAFKA_SASL_USERNAME: env.KAFKA_SASL_USERNAME,
    KAFKA_SASL_PASSWORD: env.KAFKA_SASL_PASSWORD,
  };
  if (problems.length > 0) throw new Error(`Kafka connection: ${problems.join('; ')}`);
  return kafkaConnection(config, clientId);
}
