import type { TlsOptions } from 'node:tls';
import type { DataSource } from 'typeorm';

/**
 * Where records are stored. A `url`, or the seed's `host`, `port`, `user`,
 * `password`, `database`, selects a PostgreSQL server; with neither, the store
 * is an embedded PGlite database in `pglite.dataDir` (default `.metaqueue/pglite`
 * under the working directory), or in memory with `pglite: { inMemory: true }`.
 */
export interface StoreOptions extends StoreLayoutOptions {
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
  pglite?: PGliteStoreOptions;
  /** Run the shipped migrations at startup. Default `true`. */
  runMigrations?: boolean;
  /** Attempts to connect at startup before giving up. Default 5. */
  retryAttempts?: number;
  /** Delay between those attempts. Default 1000 ms. */
  retryDelayMs?: number;
}

/** The span of one partition of table `metadata`, in UTC: a day, an ISO week (from Monday), a month. */
export type PartitionPeriod = 'day' | 'week' | 'month';

/** How long records are kept: `'90d'`, `'12w'`, `'36h'`. */
export type RetentionPeriod = `${number}${'h' | 'd' | 'w'}`;

/** Indexes of table `metadata` that are made only when asked for. */
export type OptionalStoreIndex = 'data';

/**
 * How table `metadata` is laid out and how long the store keeps records,
 * dead letters and task runs: the same for metaqueue's own DataSource and
 * the application's.
 */
export interface StoreLayoutOptions {
  /** What one partition of `metadata` holds, by `published_at`. Default `'day'`. */
  partition?: PartitionPeriod;
  /** Partitions made ahead of the current one. Default 2. */
  partitionsAhead?: number;
  /**
   * Partitions whose records are all older than this are dropped, whole; with
   * a function, a partition goes once every topic in it is past its horizon
   * (`undefined`: that topic is kept for ever). Default: kept for ever.
   */
  retention?: RetentionPeriod | ((topic: string) => RetentionPeriod | undefined);
  /** Dead letters older than this (by `failed_at`) are deleted. Default: kept for ever. */
  deadLetterRetention?: RetentionPeriod;
  /**
   * Runs of scheduled tasks (table `metaqueue_task_runs`) scheduled before
   * this are deleted; a run still `running` never is. Default: kept for ever.
   */
  taskRunRetention?: RetentionPeriod;
  /** Optional indexes to keep: `'data'`, the GIN index `GET /metadata?data=` uses. Default none. */
  indexes?: OptionalStoreIndex[];
  /** How often partitions are made ahead and retention applied. Default 3,600,000 ms (an hour). */
  maintenanceIntervalMs?: number;
}

export interface PGliteStoreOptions {
  /** Where the database lives; created if missing, reopened as it is. Default `.metaqueue/pglite`. */
  dataDir?: string;
  /** Keep nothing on disk: the records are gone when the app stops (tests). Default `false`. */
  inMemory?: boolean;
}

/**
 * The store in a DataSource the application already has: its pool, its
 * migrations, its lifecycle. metaqueue never destroys it.
 */
export type AppDataSourceStoreOptions = StoreLayoutOptions &
  (
    | {
        /** An initialized PostgreSQL DataSource, e.g. injected with `getDataSourceToken()`. */
        dataSource: DataSource;
      }
    | {
        /**
         * The name of a `TypeOrmModule.forRoot()` connection (`'default'` for the
         * unnamed one); `MetaqueueModule.forRoot()` injects its DataSource.
         */
        typeormDataSource: string;
      }
  );

/** The module options the store is opened from. */
export interface StoreModuleOptions {
  /**
   * The database: a PostgreSQL server, or by default embedded PGlite; the
   * application's TypeORM DataSource; `false` for none.
   */
  store?: StoreOptions | AppDataSourceStoreOptions | false;
}
