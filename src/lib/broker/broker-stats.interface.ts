import type { BufferStats } from '../buffer/source-report.interface.js';

/** What one sink (the store, or a connector) has done since startup. */
export interface SinkStats {
  /** Records written: for the store, confirmed in the `metadata` table. */
  written: number;
  /**
   * Of those, records the sink already had when a retry wrote them: the
   * earlier attempt succeeded but its reply was lost (the store skips them).
   */
  alreadyWritten: number;
  /** Records the sink refused for good and kept aside (the store: in `metadata_dead_letter`). */
  deadLettered: number;
  /** Writes that failed and were retried. */
  failedWrites: number;
  /** Records dropped because the sink fell more than `maxConnectorBacklog` behind. */
  dropped: number;
  /** Records handed to this sink and not yet written. */
  backlog: number;
  /** Accepted records shutdown could not write to this sink in time. */
  unflushed: number;
  /**
   * Of `unflushed`, records in writes under way when the deadline passed:
   * the sink may have them (a commit whose reply was lost), so between
   * `unflushed - unconfirmed` and `unflushed` records are missing from it.
   */
  unconfirmed: number;
  /** Why its latest write failed, while no write has succeeded since. */
  lastError?: string;
}

/** What the broker has done since startup. */
export interface BrokerStats {
  /** Every sink by name: the store as `"store"`, each connector under its name. */
  sinks: Record<string, SinkStats>;
  /** Records read from the queues that some sink does not have yet. */
  inFlight: number;
  /** When a batch was last written to the first sink (the store, if there is one). */
  lastFlushAt: Date | undefined;
  /** With the disk buffer. */
  buffer?: BufferStats;
}
