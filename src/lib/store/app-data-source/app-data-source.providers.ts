import type { Provider } from '@nestjs/common';
import type { StoreModuleOptions } from '../store-options.interface.js';
import { APP_DATA_SOURCE } from '../../metaqueue.tokens.js';
import { typeOrmDataSourceToken } from './typeorm-data-source.token.js';

/**
 * With `store: { typeormDataSource: name }`, the named TypeORM DataSource under
 * metaqueue's own token: Nest creates it (and initializes it) before the store.
 */
export function appDataSourceProviders(options: StoreModuleOptions): Provider[] {
  const store = options.store;
  if (!store || !('typeormDataSource' in store)) return [];
  return [
    { provide: APP_DATA_SOURCE, useExisting: typeOrmDataSourceToken(store.typeormDataSource) },
  ];
}
