import type { DataSource } from 'typeorm';
import { MetaqueueConfigError } from '../../errors/metaqueue.errors.js';
import { errorMessages } from '../../metaqueue.messages.js';
import { MetadataStore } from '../metadata-store.js';

/**
 * The store over the application's DataSource. COPY goes through that
 * DataSource's own `pg` pool; metaqueue opens no connection of its own and
 * leaves closing it to whoever created it.
 */
export async function openAppStore(dataSource: DataSource | undefined): Promise<MetadataStore> {
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
  return new MetadataStore(dataSource, describeAppDataSource(dataSource), copySupported, false);
}

function describeAppDataSource(dataSource: DataSource): string {
  const { database } = dataSource.driver;
  return `the application's TypeORM DataSource (PostgreSQL, database ${database ?? '(default)'})`;
}
