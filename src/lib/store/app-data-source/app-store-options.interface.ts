import type { DataSource } from 'typeorm';

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
