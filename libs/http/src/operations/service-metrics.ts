import { Registry, collectDefaultMetrics } from 'prom-client';

/**
 * One registry to scrape: the process's own figures (CPU, memory, event loop, GC) collected into a
 * registry of this service's, merged with the registries it brings (messaging, ...). Every series
 * is labelled with the service, so that several services in one process stay apart.
 */
export function serviceMetricsRegistry(service: string, registries: readonly Registry[]): Registry {
  const processRegistry = new Registry();
  collectDefaultMetrics({ register: processRegistry });
  const merged = Registry.merge([processRegistry, ...registries]);
  merged.setDefaultLabels({ service });
  return merged;
}
