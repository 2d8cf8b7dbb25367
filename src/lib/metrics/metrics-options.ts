import { defaults } from '../metaqueue.defaults.js';
import { assertOption, optionRules } from '../utils/assert-option.util.js';
import { definedOnly } from '../utils/defined-only.util.js';
import type { AppMetricsRegistry, MetricsOptions } from './metrics-options.interface.js';

/** The metrics options with their defaults. */
export interface ResolvedMetricsOptions {
  /** The application's registry; unset, metaqueue's own registries only. */
  registry: AppMetricsRegistry | undefined;
}

/** The metrics options with their defaults; throws `MetaqueueConfigError` on a bad one. */
export function resolveMetricsOptions(options: MetricsOptions = {}): ResolvedMetricsOptions {
  const resolved: ResolvedMetricsOptions = { ...defaults.metrics, ...definedOnly(options) };
  if (resolved.registry !== undefined) {
    assertOption('metrics', 'registry', resolved.registry, optionRules.promRegistry);
  }
  return resolved;
}
