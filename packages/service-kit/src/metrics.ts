import { collectDefaultMetrics, Registry } from 'prom-client';

/** A registry per service instance, with the process metrics, labelled with the service name. */
export function createMetrics(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}
