import { PGlite } from '@electric-sql/pglite';
import type { DataSourceOptions } from 'typeorm';
import type { StoreOptions } from '../../src/lib/index.js';
import { pglitePoolFor } from '../../src/lib/store/pglite-pool.js';

/**
 * TypeORM options of an application's own DataSource over a test database:
 * node-postgres for a server, PGlite's pool for a data directory.
 */
export async function appDataSourceOptions(
  store: StoreOptions,
): Promise<Extract<DataSourceOptions, { type: 'postgres' }>> {
  if (store.url) return { type: 'postgres', url: store.url };
  return { type: 'postgres', driver: pglitePoolFor(await PGlite.create(store.pglite!.dataDir)) };
}
