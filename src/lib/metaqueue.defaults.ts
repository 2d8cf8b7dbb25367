/**
 * Every default of a public option, in one place; the README lists the same
 * values. It imports nothing, so every layer can read it: each option's
 * resolver checks these values against its own type.
 */
export const defaults = {
  buffer: { type: 'memory' },
  /** `broker.role`: resolved with the buffer, whose kind it depends on. */
  role: 'both',
  queue: {
    bufferSize: 10_000,
    dtype: 'json',
    overflow: 'block',
    blockTimeoutMs: undefined,
  },
  store: {
    poolSize: 10,
    runMigrations: true,
    retryAttempts: 5,
    retryDelayMs: 1_000,
    pgliteDataDir: '.metaqueue/pglite',
    partition: 'day',
    partitionsAhead: 2,
    /** Unset: records, dead letters and task runs are kept for ever. */
    retention: undefined,
    deadLetterRetention: undefined,
    taskRunRetention: undefined,
    indexes: [],
    maintenanceIntervalMs: 3_600_000,
  },
  broker: {
    flushIntervalMs: 1_000,
    /**
     * `flushIntervalMs` of a Redis worker, unless set: it cannot see what
     * publishers append, so it looks often, or a stream at `maxLen` holds
     * them until its next look (8,500 records/s got through at 1000 ms).
     */
    workerFlushIntervalMs: 100,
    maxBatchSize: 5_000,
    storeConcurrency: 2,
    shutdownTimeoutMs: 10_000,
    retryInitialDelayMs: 100,
    retryMaxDelayMs: 5_000,
    maxConnectorBacklog: 100_000,
  },
  schedule: {
    shutdownTimeoutMs: 10_000,
    /** Unset: a quarter of the task's interval, and at least `minGraceMs`. */
    graceMs: undefined,
    minGraceMs: 5_000,
    maxRuntimeMs: 10 * 60 * 1000,
    checkIntervalMs: 1_000,
    failingAfter: 3,
    /** Unset: `<hostname>:<pid>`. */
    replica: undefined,
  },
  redisBuffer: {
    url: 'redis://127.0.0.1:6379',
    streamPrefix: 'metaqueue:',
    claimIdleMs: 30_000,
    ownershipTtlMs: 7 * 24 * 60 * 60 * 1000,
  },
  metrics: {
    /** Unset: metaqueue's series stay in registries of its own, served by `MetricsController`. */
    registry: undefined,
  },
  health: {
    failingForMs: 60_000,
    fullForMs: 60_000,
  },
  reads: {
    /** The read pool is the host's cores less one, so a core is left to the writer, and this at most. */
    poolSizeAtMost: 3,
    statementTimeoutMs: 15_000,
    stalledClientTimeoutMs: 10_000,
  },
  query: {
    limit: 100,
    maxLimit: 1_000,
    /** Most bytes of records in one page (a page's first record always fits). */
    maxPageBytes: 4 * 1024 * 1024,
  },
  diskBuffer: {
    maxBytes: 1024 * 1024 * 1024,
    sync: 'interval',
    syncIntervalMs: 500,
  },
  openMetricsFile: {
    maxFileBytes: 64 * 1024 * 1024,
    fsync: false,
    samples: 'series',
    labels: ['topic', 'location'],
    merge: 'last',
  },
} as const;
