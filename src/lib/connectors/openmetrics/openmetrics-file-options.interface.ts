export interface OpenMetricsFileOptions {
  /** The file; rotated files sit beside it as `<path>.1`, `<path>.2`, … (oldest first). */
  path: string;
  /** Rotate once this many bytes are written. Default 64 MiB. */
  maxFileBytes?: number;
  /** fsync the spool after every batch, and each file as it is closed. Default `false`. */
  fsync?: boolean;
  /**
   * Names the connector in logs and counters, and with the Redis buffer its
   * consumer group: give it the same name on every worker, so they share the
   * stream's entries. Default `OpenMetricsFileConnector(<path>)`.
   */
  name?: string;
}
