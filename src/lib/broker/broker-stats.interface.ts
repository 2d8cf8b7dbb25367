import type { ConnectorStats } from './connector-channel.js';

/** What the broker has done since startup. */
export interface BrokerStats {
  /** Records confirmed in the `metadata` table. */
  stored: number;
  /** Records the database refused, kept in `metadata_dead_letter`. */
  deadLettered: number;
  /** Store writes that failed and were retried. */
  failedWrites: number;
  /** Records taken from the queues and not yet stored. */
  inFlight: number;
  /** Accepted records that shutdown could not store in time. */
  unflushed: number;
  lastFlushAt: Date | undefined;
  /** Each connector's own counts, by name. */
  connectors: Record<string, ConnectorStats>;
}
