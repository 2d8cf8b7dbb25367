import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import {
  openMetricsContentType,
  Registry,
  type Histogram,
  type OpenMetricsContentType,
} from 'prom-client';
import { BrokerService } from '../broker/broker.service.js';
import type { FlushObservation } from '../broker/flush-observation.interface.js';
import type { RecordSource } from '../buffer/record-source.interface.js';
import { EngineRegistry } from '../engine/engine.registry.js';
import { RECORD_SOURCE } from '../metaqueue.tokens.js';
import { MetadataStore } from '../store/metadata-store.js';
import { MetaTaskScheduler } from '../tasks/meta-task.scheduler.js';
import { registerMetricFamilies } from './metric-families.js';
import { prefersOpenMetrics } from './metrics-content-type.js';
import type { MetricsScrape } from './metrics-scrape.interface.js';

/**
 * metaqueue's own metrics, in registries of this application's own (never
 * prom-client's global one, so two applications in one process never share
 * a metric). Merge `registry` into yours with `Registry.merge()`, or serve
 * `scrape()` (as `MetricsController` does). Provided by `MetaqueueModule`.
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
  private readonly flushDurations: Histogram[];
  private unobserve = (): void => undefined;

  constructor(
    engines: EngineRegistry,
    private readonly broker: BrokerService,
    @Inject(MetadataStore) store: MetadataStore | null,
    scheduler: MetaTaskScheduler,
    @Inject(RECORD_SOURCE) source: RecordSource,
  ) {
    const sources = {
      engines: () => engines.getAll(),
      broker: () => broker.counters,
      store: () => store ?? undefined,
      scheduledTasks: () => scheduler.counters,
      source: () => source.report(),
    };
    this.flushDurations = [this.registry, this.openMetricsRegistry].map((registry) =>
      registerMetricFamilies(registry, sources),
    );
  }

  onApplicationBootstrap(): void {
    this.unobserve = this.broker.observeFlushes((flush) => this.observeFlush(flush));
  }

  onApplicationShutdown(): void {
    this.unobserve();
  }

  /** Records one flush in `metaqueue_flush_duration_seconds`; the broker's flush hook calls it. */
  observeFlush(flush: FlushObservation): void {
    for (const histogram of this.flushDurations) histogram.observe(flush.durationSeconds);
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
