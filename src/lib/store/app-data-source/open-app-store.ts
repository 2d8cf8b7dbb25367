import { Logger } from '@nestjs/common';
import type { DataSource, DataSourceOptions } from 'typeorm';
import { MetaqueueConfigError } from '../../errors/metaqueue.errors.js';
import { errorMessages, logMessages } from '../../metaqueue.messages.js';
import { MetadataStore } from '../metadata-store.js';
import { resolveStoreLayout } from '../partitions/store-layout.js';
import type { StoreLayoutOptions } from '../store-options.interface.js';

/**
 * The store over the application's DataSource. COPY goes through that
 * DataSource's own `pg` pool; metaqueue opens no connection of its own and
 * leaves closing it to whoever created it.
 */
export async function openAppStore(
  dataSource: DataSource | undefined,
  layoutOptions: StoreLayoutOptions = {},
): Promise<MetadataStore> {
  const layout = resolveStoreLayout(layoutOptions);
  if (!dataSource) throw new MetaqueueConfigError(errorMessages.appDataSourceNotInjected());
  const { type } = dataSource.options;
  if (type !== 'postgres')
    throw new MetaqueueConfigError(errorMessages.appDataSourceNotPostgres(type));
  if (!dataSource.isInitialized) {
    throw new MetaqueueConfigError(errorMessages.appDataSourceNotInitialized());
  }
  const [{ exists }] = await dataSource.query<[{ exists: boolean }]>(
    `SELECT to_regclass('metadata') IS NOT NULL AND to_regclass('metadata_dead_letter') IS NOT NULL AS "exists"`,
  );
  if (!exists) throw new MetaqueueConfigError(errorMessages.appDataSourceWithoutTables());
  // A custom driver (such as PGlite's) is not node-postgres: it has no COPY.
  const copySupported = !('driver' in dataSource.options && dataSource.options.driver);
  const target = describeAppDataSource(dataSource);
  // As metaqueue's own store does: the app's startup log says where the records go.
  new Logger(MetadataStore.name).log(logMessages.storeConnected(target));
  return new MetadataStore(dataSource, target, copySupported, false, layout);
}

/** Where the application's DataSource points, for logs: never the credentials. */
function describeAppDataSource(dataSource: DataSource): string {
  const options = dataSource.options as Extract<DataSourceOptions, { type: 'postgres' }>;
  const { host, port, url } = options;
  const database = dataSource.driver.database ?? '(default database)';
  if (options.driver !== undefined)
    return `the application's TypeORM DataSource (database ${database}, its own driver)`;
  const server = url === undefined ? undefined : new URL(url);
  const at = `${host ?? server?.hostname ?? 'localhost'}:${port ?? (server?.port || 5432)}`;
  return `the application's TypeORM DataSource (PostgreSQL at ${at}/${database})`;
}
