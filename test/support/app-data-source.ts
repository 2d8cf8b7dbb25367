import type { DataSourceOptions } from 'typeorm';
import type { StoreOptions } from '../../src/lib/index.js';
import { pglitePoolFor } from '../../src/lib/store/pglite/pglite-pool.js';
import { PGliteThread } from '../../src/lib/store/pglite/pglite-thread.js';

/**
 * TypeORM options of an application's own DataSource over a test database:
 * node-postgres for a server, PGlite's pool for a data directory.
 */
export async function appDataSourceOptions(
  store: StoreOptions,
): Promise<Extract<DataSourceOptions, { type: 'postgres' }>> {
  if (store.url) return { type: 'postgres', url: store.url };
  return {
    type: 'postgres',
    driver: pglitePoolFor(await PGliteThread.open(store.pglite!.dataDir)),
  };
}
