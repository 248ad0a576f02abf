/** The names one service uses on Kafka, all under the deployment's `KAFKA_TOPIC_PREFIX`. */
export interface KafkaNames {
  /** A topic as the cluster knows it: `<prefix><name>` (`orderpulse.order.events` by default). */
  readonly topic: (name: string) => string;
  /** One of the service's consumer groups: `<prefix>orderpulse.<service>.<purpose>`. */
  readonly group: (purpose: string) => string;
  /** Whether `groupId` is one of the service's own groups (its lag metrics read those only). */
  readonly ownsGroup: (groupId: string) => boolean;
}

/**
 * Names topics and consumer groups for `service`. One rule for every service, so that SRE find a
 * service's groups with `kafka-consumer-groups --list | grep orderpulse.<service>.`, and two
 * deployments on one cluster (a prefix each) never share a group.
 */
export function kafkaNames(prefix: string | undefined, service: string): KafkaNames {
  const groups = `${prefix ?? ''}orderpulse.${service}.`;
  return {
    topic: (name) => `${prefix ?? ''}${name}`,
    group: (purpose) => `${groups}${purpose}`,
    ownsGroup: (groupId) => groupId.startsWith(groups),
  };
}
