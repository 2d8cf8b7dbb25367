import {
  Counter,
  Gauge,
  openMetricsContentType,
  Registry,
  type Metric,
  type OpenMetricsContentType,
} from 'prom-client';
import { MetaqueueConfigError } from '../../../src/lib/index.js';
import { errorMessages } from '../../../src/lib/metaqueue.messages.js';
import { registerInAppRegistry } from '../../../src/lib/metrics/app-registry.js';

/** Two of metaqueue's families, in no registry yet. */
function families(): Map<string, Metric> {
  return new Map<string, Metric>([
    [
      'metaqueue_published_total',
      new Counter({ name: 'metaqueue_published_total', help: 'h', registers: [] }),
    ],
    [
      'metaqueue_queue_depth',
      new Gauge({ name: 'metaqueue_queue_depth', help: 'h', registers: [] }),
    ],
  ]);
}

const names = (registry: Registry<OpenMetricsContentType> | Registry) =>
  registry.getMetricsAsArray().map((m) => m.name);

describe('registerInAppRegistry', () => {
  it("registers every family beside the app's metrics, and removes them again, the app's left", () => {
    const registry = new Registry();
    const app = new Counter({ name: 'app_orders_total', help: 'h', registers: [registry] });
    const ours = families();

    const unregister = registerInAppRegistry(registry, ours);
    expect(names(registry)).toEqual(['app_orders_total', ...ours.keys()]);
    for (const [name, metric] of ours) expect(registry.getSingleMetric(name)).toBe(metric);
    unregister();
    expect(registry.getMetricsAsArray()).toEqual([app]);
  });

  it('refuses them all when one name is taken, naming it, and leaves that metric alone', () => {
    const registry = new Registry();
    const app = new Gauge({ name: 'metaqueue_queue_depth', help: 'h', registers: [registry] });

    const register = () => registerInAppRegistry(registry, families());
    expect(register).toThrow(MetaqueueConfigError);
    expect(register).toThrow(errorMessages.metricsNamesTaken(['metaqueue_queue_depth']));
    expect(registry.getMetricsAsArray()).toEqual([app]);
  });

  it('removes only what is still its own: a metric registered since under one of its names stays', () => {
    const registry = new Registry();
    const unregister = registerInAppRegistry(registry, families());
    registry.clear();
    const since = new Gauge({ name: 'metaqueue_queue_depth', help: 'h', registers: [registry] });

    unregister();
    expect(registry.getMetricsAsArray()).toEqual([since]);
  });

  it('removes the counters an OpenMetrics registry renamed when it rendered them', async () => {
    const registry = new Registry<OpenMetricsContentType>();
    registry.setContentType(openMetricsContentType);
    const unregister = registerInAppRegistry(registry, families());
    expect(await registry.metrics()).toContain('# TYPE metaqueue_published counter');

    unregister();
    expect(registry.getMetricsAsArray()).toEqual([]);
  });
});
