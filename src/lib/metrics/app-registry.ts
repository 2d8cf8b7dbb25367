import type { Metric } from 'prom-client';
import { MetaqueueConfigError } from '../errors/metaqueue.errors.js';
import { errorMessages } from '../metaqueue.messages.js';
import type { AppMetricsRegistry } from './metrics-options.interface.js';

/**
 * Registers `metrics` (by name) in the application's registry, all of them or none: a
 * name the registry already has (another MetaqueueModule still running, or a
 * metric of the application's) is refused, never replaced. Returns how to
 * remove them again, which leaves alone any metric that has since taken one
 * of the names (after `registry.clear()`, say).
 */
export function registerInAppRegistry(
  registry: AppMetricsRegistry,
  metrics: ReadonlyMap<string, Metric>,
): () => void {
  // By the names they were made with: an OpenMetrics registry renames a counter it renders, but keeps it under this one.
  const named = [...metrics];
  const taken = named.filter(([name]) => registry.getSingleMetric(name) !== undefined);
  if (taken.length > 0) {
    throw new MetaqueueConfigError(errorMessages.metricsNamesTaken(taken.map(([name]) => name)));
  }
  for (const [, metric] of named) registry.registerMetric(metric);
  return () => {
    for (const [name, metric] of named) {
      if (registry.getSingleMetric(name) === metric) registry.removeSingleMetric(name);
    }
  };
}
