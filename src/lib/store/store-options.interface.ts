import type { TlsOptions } from 'node:tls';

/**
 * Where records are stored. A `url`, or the seed's `host`, `port`, `user`,
 * `password`, `database`, selects a PostgreSQL server; with neither, the store
 * is an embedded PGlite database (in memory, or in `pglite.dataDir`).
 */
export interface StoreOptions {
  /** `postgres://user:password@host:port/database`. */
  url?: string;
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  database?: string;
  ssl?: boolean | TlsOptions;
  /** Connections in the pool. Default 10. */
  poolSize?: number;
  /** The embedded database, used when no server is named. */
  pglite?: { dataDir?: string };
  /** Run the shipped migrations at startup. Default `true`. */
  runMigrations?: boolean;
  /** Attempts to connect at startup before giving up. Default 5. */
  retryAttempts?: number;
  /** Delay between those attempts. Default 1000 ms. */
  retryDelayMs?: number;
}
