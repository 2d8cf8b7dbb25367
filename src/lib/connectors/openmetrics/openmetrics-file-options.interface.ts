// The values the options below take; the connector and the CLI check against these.
export const openMetricsSampleModes = ['series', 'per-record'] as const;
export const openMetricsSeriesLabels = ['topic', 'location', 'context', 'id'] as const;
export const openMetricsMergeRules = ['last', 'sum', 'max'] as const;

/** What a sample of the file stands for: a bounded series, or one record. */
export type OpenMetricsSampleMode = (typeof openMetricsSampleModes)[number];

/** A record field that may label a series, beside its name (the family). */
export type OpenMetricsSeriesLabel = (typeof openMetricsSeriesLabels)[number];

/** How samples that meet in one series and one millisecond become one. */
export type OpenMetricsMergeRule = (typeof openMetricsMergeRules)[number];

export interface OpenMetricsFileOptions {
  /** The file; rotated files sit beside it as `<path>.1`, `<path>.2`, … (oldest first). */
  path: string;
  /** Rotate once this many bytes are written to the spool. Default 64 MiB. */
  maxFileBytes?: number;
  /** fsync the spool after every batch, and each file as it is closed. Default `false`. */
  fsync?: boolean;
  /**
   * Names the connector in logs and counters, and with the Redis buffer its
   * consumer group: give it the same name on every worker, so they share the
   * stream's entries. Default `OpenMetricsFileConnector(<path>)`.
   */
  name?: string;
  /**
   * `'series'` (default): a sample's series is the record's name and `labels`;
   * samples that meet in one series and one millisecond are merged by `merge`,
   * and records whose data is not a number are not written (counted).
   * `'per-record'`: every record a series of its own, labelled `id`, `topic`,
   * `location`, `context` (and non-numeric data as its JSON in `data`).
   */
  samples?: OpenMetricsSampleMode;
  /** With `samples: 'series'`: the labels of a series. Default `['topic', 'location']`. */
  labels?: readonly OpenMetricsSeriesLabel[];
  /** With `samples: 'series'`: `'last'` (default, the last record written wins), `'sum'` or `'max'`. */
  merge?: OpenMetricsMergeRule;
}
