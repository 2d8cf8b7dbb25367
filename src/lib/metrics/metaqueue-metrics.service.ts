import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { openMetricsContentType, Registry, type OpenMetricsContentType } from 'prom-client';
import { BrokerService } from '../broker/broker.service.js';
import type { FlushObservation } from '../broker/flush-observation.interface.js';
import type { RecordSource } from '../buffer/record-source.interface.js';
import { EngineRegistry } from '../engine/engine.registry.js';
import { ConnectorRegistry } from '../connectors/connector.registry.js';
import { OpenMetricsFileConnector } from '../connectors/openmetrics/openmetrics-file.connector.js';
import { METAQUEUE_MODULE_OPTIONS, RECORD_SOURCE } from '../metaqueue.tokens.js';
import { MetadataStore } from '../store/metadata-store.js';
import { MetaTaskScheduler } from '../tasks/meta-task.scheduler.js';
import { registerInAppRegistry } from './app-registry.js';
import { createMetricFamilies, type MetricFamilies } from './metric-families.js';
import { prefersOpenMetrics } from './metrics-content-type.js';
import type { AppMetricsRegistry, MetricsModuleOptions } from './metrics-options.interface.js';
import { resolveMetricsOptions } from './metrics-options.js';
import type { MetricsScrape } from './metrics-scrape.interface.js';

/**
 * metaqueue's own metrics, in registries of this application's own (never
 * prom-client's global one, so two applications in one process never share
 * a metric): serve `scrape()` (as `MetricsController` does). With
 * `metrics: { registry }`, the same series are also registered in the
 * application's registry from bootstrap to shutdown, for its own endpoint.
 * Provided by `MetaqueueModule`.
 */
@Injectable()
export class MetaqueueMetrics implements OnApplicationBootstrap, OnApplicationShutdown {
  /** Prometheus text format (0.0.4). */
  readonly registry = new Registry();
  /**
   * The same metrics in OpenMetrics 1.0. A registry of its own, with metric
   * objects of its own: prom-client renames a counter when it renders it as
   * OpenMetrics, which would change the Prometheus text of a shared one.
   */
  readonly openMetricsRegistry = openMetricsRegistry();
  private readonly families: MetricFamilies[];
  /** With `metrics.registry`: that registry, and the families registered in it. */
  private readonly inApp: { registry: AppMetricsRegistry; families: MetricFamilies } | undefined;
  private unobserve = (): void => undefined;
  private unobserveRuns = (): void => undefined;
  private unregister = (): void => undefined;

  constructor(
    engines: EngineRegistry,
    private readonly broker: BrokerService,
    @Inject(MetadataStore) store: MetadataStore | null,
    private readonly scheduler: MetaTaskScheduler,
    @Inject(RECORD_SOURCE) source: RecordSource,
    @Inject(METAQUEUE_MODULE_OPTIONS) options: MetricsModuleOptions,
    connectors: ConnectorRegistry,
  ) {
    const appRegistry = resolveMetricsOptions(options.metrics).registry;
    const sources = {
      engines: () => engines.getAll(),
      broker: () => broker.counters,
      store: () => store ?? undefined,
      scheduledTasks: () => scheduler.counters,
      taskWatch: () => scheduler.watchStates(),
      source: () => source.report(),
      files: () =>
        Object.fromEntries(
          connectors
            .getAll()
            .flatMap(({ name, connector }) =>
              connector instanceof OpenMetricsFileConnector ? [[name, connector.stats()]] : [],
            ),
        ),
    };
    this.families = [this.registry, this.openMetricsRegistry].map((registry) => {
      const families = createMetricFamilies(sources);
      for (const metric of families.all.values()) registry.registerMetric(metric);
      return families;
    });
    if (appRegistry) {
      // Families of its own: the application's registry may render OpenMetrics, renaming counters.
      this.inApp = { registry: appRegistry, families: createMetricFamilies(sources) };
      this.families.push(this.inApp.families);
    }
  }

  /** The application's registry (`metrics.registry`), which its own endpoint serves; unset by default. */
  get appRegistry(): AppMetricsRegistry | undefined {
    return this.inApp?.registry;
  }

  onApplicationBootstrap(): void {
    if (this.inApp) {
      this.unregister = registerInAppRegistry(this.inApp.registry, this.inApp.families.all);
    }
    this.unobserve = this.broker.observeFlushes((flush) => this.observeFlush(flush));
    this.unobserveRuns = this.scheduler.observeRuns((task, _run, outcome) => {
      const labels = { task, status: outcome.status };
      for (const { runDuration } of this.families)
        runDuration.observe(labels, outcome.durationSeconds);
    });
  }

  onApplicationShutdown(): void {
    this.unobserve();
    this.unobserveRuns();
    this.unregister();
  }

  /** Records one flush in `metaqueue_flush_duration_seconds`; the broker's flush hook calls it. */
  observeFlush(flush: FlushObservation): void {
    for (const { flushDuration } of this.families) flushDuration.observe(flush.durationSeconds);
  }

  /**
   * The metrics as OpenMetrics when `accept` (an Accept header) asks for
   * `application/openmetrics-text`, else as Prometheus text.
   */
  async scrape(accept?: string): Promise<MetricsScrape> {
    const registry = prefersOpenMetrics(accept) ? this.openMetricsRegistry : this.registry;
    return { contentType: registry.contentType, body: await registry.metrics() };
  }
}

function openMetricsRegistry(): Registry<OpenMetricsContentType> {
  const registry = new Registry<OpenMetricsContentType>();
  registry.setContentType(openMetricsContentType);
  return registry;
}
