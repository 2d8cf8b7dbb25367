/** Thresholds of `isHealthy()`. */
export interface MetaqueueHealthOptions {
  /** A sink failing this long (records waiting, none written) is down. Default 60 s. */
  failingForMs?: number;
  /** A queue full at every check for this long is down. Default 60 s. */
  fullForMs?: number;
}

/** What `isHealthy()` says, under its key; a `HealthIndicatorResult` of @nestjs/terminus. */
export type MetaqueueHealthResult<Key extends string = string> = Record<Key, MetaqueueHealth>;

export interface MetaqueueHealth {
  status: 'up' | 'down';
  /** Why it is down. */
  message?: string;
  /** Sinks ("store" or connector names) failing longer than `failingForMs`. */
  failingSinks?: string[];
  /** Why each failing sink's latest write failed, by sink. */
  failures?: Record<string, string>;
  /** Topics whose queue has been full longer than `fullForMs`. */
  fullQueues?: string[];
  /** Set while Redis, where records wait, cannot be reached. */
  bufferUnreachable?: boolean;
  /**
   * Set while Redis answers but refuses a stream's appends or the making of
   * its groups: each as stream, command and Redis's reason.
   */
  bufferRefused?: string[];
  /**
   * Scheduled tasks the watch holds `missed`, `late`, `overrunning` or
   * `failing` now, each with its alarms and why.
   */
  tasksDown?: Record<string, string>;
}
