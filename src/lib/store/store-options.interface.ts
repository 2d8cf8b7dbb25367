import type { TlsOptions } from 'node:tls';
import type { DataSource } from 'typeorm';

/**
 * Where records are stored. A `url`, or the seed's `host`, `port`, `user`,
 * `password`, `database`, selects a PostgreSQL server; with neither, the store
 * is an embedded PGlite database in `pglite.dataDir` (default `.metaqueue/pglite`
 * under the working directory), or in memory with `pglite: { inMemory: true }`.
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
  pglite?: PGliteStoreOptions;
  /** Run the shipped migrations at startup. Default `true`. */
  runMigrations?: boolean;
  /** Attempts to connect at startup before giving up. Default 5. */
  retryAttempts?: number;
  /** Delay between those attempts. Default 1000 ms. */
  retryDelayMs?: number;
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
export type AppDataSourceStoreOptions =
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
    };

/** The module options the store is opened from. */
export interface StoreModuleOptions {
  /**
   * The database: a PostgreSQL server, or by default embedded PGlite; the
   * application's TypeORM DataSource; `false` for none.
   */
  store?: StoreOptions | AppDataSourceStoreOptions | false;
}
