import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { DataSource } from 'typeorm';
import { MetaqueueConfigError } from '../errors/metaqueue.errors.js';
import { defaults } from '../metaqueue.defaults.js';
import { errorMessages } from '../metaqueue.messages.js';
import { openEmbeddedDatabase } from './pglite/pglite-directory.js';
import { pglitePoolFor } from './pglite/pglite-pool.js';
import type { PGliteStoreOptions, StoreOptions } from './store-options.interface.js';
import { metaqueueEntities, metaqueueMigrations } from './store-schema.js';

/** The store's part of any DataSource that holds its tables; ormconfig.ts spreads it too. */
export const storeDataSourceOptions = {
  type: 'postgres' as const,
  entities: metaqueueEntities,
  migrations: metaqueueMigrations,
  migrationsTableName: 'metadata_migrations',
};

/** A DataSource for the options, and where it points, for logs: never the credentials. */
export async function createDataSource(
  options: StoreOptions,
): Promise<{ dataSource: DataSource; target: string; embedded: boolean }> {
  const common = { ...storeDataSourceOptions, logging: false };
  if (options.url === undefined && options.host === undefined) {
    const dataDir = pgliteDataDir(options.pglite);
    // An existing directory opens as it is (no initdb), in a fraction of a first start.
    if (dataDir !== undefined) await mkdir(dirname(dataDir), { recursive: true });
    const db = await openEmbeddedDatabase(dataDir);
    return {
      dataSource: new DataSource({ ...common, driver: pglitePoolFor(db) }),
      target: dataDir === undefined ? 'embedded PGlite in memory' : `embedded PGlite at ${dataDir}`,
      embedded: true,
    };
  }
  const server = options.url === undefined ? undefined : parseStoreUrl(options.url);
  const host = options.host ?? server?.hostname ?? 'localhost';
  const port = options.port ?? (server?.port ? Number(server.port) : 5432);
  const database =
    options.database ??
    (server?.pathname.slice(1) ? decodeURIComponent(server.pathname.slice(1)) : undefined);
  return {
    dataSource: new DataSource({
      ...common,
      url: options.url,
      host: options.host,
      port: options.port,
      username: options.user,
      password: options.password,
      database: options.database,
      ssl: options.ssl,
      extra: { max: options.poolSize ?? defaults.store.poolSize },
    }),
    target: `PostgreSQL at ${host}:${port}/${database ?? '(default database)'}`,
    embedded: false,
  };
}

/** The embedded database's directory, absolute; `undefined` in memory. */
export function pgliteDataDir(options: PGliteStoreOptions = {}): string | undefined {
  if (options.inMemory) {
    if (options.dataDir !== undefined) {
      throw new MetaqueueConfigError(errorMessages.pgliteInMemoryWithDataDir());
    }
    return undefined;
  }
  return resolve(options.dataDir ?? defaults.store.pgliteDataDir);
}

/**
 * The URL, or a config error that never shows it: URL's own TypeError keeps
 * the whole input, password included, and Nest prints it at startup.
 */
function parseStoreUrl(url: string): URL {
  try {
    return new URL(url);
  } catch {
    throw new MetaqueueConfigError(errorMessages.invalidStoreUrl());
  }
}
