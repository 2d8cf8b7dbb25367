/** The module options the metrics read. */
export interface MetricsModuleOptions {
  /** Where metaqueue's series are registered. */
  metrics?: MetricsOptions;
}

/** Where metaqueue's series are registered. */
export interface MetricsOptions {
  /**
   * The application's own prom-client registry: metaqueue's series are
   * registered in it at startup, removed from it at shutdown, and served by
   * the application's endpoint (with @willsoto/nestjs-prometheus, give
   * `register` from prom-client). `MetricsController` is then refused.
   * Default: none, metaqueue keeps registries of its own.
   */
  registry?: AppMetricsRegistry;
}

/**
 * What metaqueue uses of the application's registry: a prom-client
 * `Registry` of prom-client 13 or later, from any copy of prom-client (its
 * own types are not needed, so another version's registry fits).
 */
export interface AppMetricsRegistry {
  registerMetric(metric: object): void;
  getSingleMetric(name: string): unknown;
  removeSingleMetric(name: string): void;
}
