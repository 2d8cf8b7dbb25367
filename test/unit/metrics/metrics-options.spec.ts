import * as promClient from 'prom-client';
import {
  openMetricsContentType,
  register,
  Registry,
  type OpenMetricsContentType,
} from 'prom-client';
import { Registry as Registry14 } from 'prom-client-14';
import { MetaqueueConfigError } from '../../../src/lib/index.js';
import { defaults } from '../../../src/lib/metaqueue.defaults.js';
import { resolveMetricsOptions } from '../../../src/lib/metrics/metrics-options.js';
import type { AppMetricsRegistry } from '../../../src/lib/metrics/metrics-options.interface.js';
import { optionRules } from '../../../src/lib/utils/assert-option.util.js';

describe('resolveMetricsOptions', () => {
  it("keeps metaqueue's own registries by default, and an explicit undefined does too", () => {
    expect(resolveMetricsOptions()).toEqual(defaults.metrics);
    expect(resolveMetricsOptions({ registry: undefined })).toEqual({ registry: undefined });
  });

  it.each([
    ["prom-client's global register", register],
    ['a new Registry', new Registry()],
    ['an OpenMetrics Registry', openMetricsRegistry()],
    ['a Registry of prom-client 14, another copy', new Registry14()],
  ])('takes %s', (_, registry: AppMetricsRegistry) => {
    expect(resolveMetricsOptions({ registry }).registry).toBe(registry);
  });

  // Stands for @willsoto/nestjs-prometheus's module, which has no registry (it serves prom-client's global one).
  class PrometheusModule {}
  // prom-client 12's registry: the same methods, a synchronous metrics(), and registerCollector.
  const registry12 = Object.assign(new (class Registry {})(), {
    registerMetric() {},
    getSingleMetric() {},
    removeSingleMetric() {},
    metrics: () => '',
    registerCollector() {},
  });
  it.each([
    ['the prom-client module, not its register', promClient, 'a Module'],
    [
      "@willsoto/nestjs-prometheus's module, which has no registry",
      PrometheusModule,
      'class PrometheusModule',
    ],
    ['a registry of prom-client 12', registry12, 'a Registry'],
    ['a name', 'global', '"global"'],
    [
      'an object with a cycle',
      (() => {
        const o: Record<string, unknown> = {};
        o.self = o;
        return o;
      })(),
      'an object with a cycle',
    ],
  ])('refuses %s, saying what it was given and what it takes', (_, registry, shown) => {
    const resolve = () => resolveMetricsOptions({ registry: registry as AppMetricsRegistry });
    expect(resolve).toThrow(MetaqueueConfigError);
    expect(resolve).toThrow(
      `Invalid metrics option registry=${shown}: expected ${optionRules.promRegistry.expected}.`,
    );
  });
});

function openMetricsRegistry(): Registry<OpenMetricsContentType> {
  const registry = new Registry<OpenMetricsContentType>();
  registry.setContentType(openMetricsContentType);
  return registry;
}
