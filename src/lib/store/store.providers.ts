import type { FactoryProvider } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { StoreModuleOptions } from './store-options.interface.js';
import { APP_DATA_SOURCE, METAQUEUE_MODULE_OPTIONS, RECORD_BUFFER } from '../metaqueue.tokens.js';
import type { RecordBuffer } from '../buffer/record-buffer.interface.js';
import { openAppStore } from './app-data-source/open-app-store.js';
import { MetadataStore } from './metadata-store.js';

/**
 * The store, opened at startup: in the application's DataSource if the options
 * give one, else in its own; `null` with `store: false`, and in a
 * publisher-only app (it stores nothing).
 */
export const metadataStoreProvider: FactoryProvider<MetadataStore | null> = {
  provide: MetadataStore,
  useFactory: (options: StoreModuleOptions, buffer: RecordBuffer, appDataSource?: DataSource) => {
    const store = options.store ?? {};
    if (store === false || buffer.role === 'publisher') return null;
    if ('dataSource' in store) return openAppStore(store.dataSource, store);
    if ('typeormDataSource' in store) return openAppStore(appDataSource, store);
    return MetadataStore.open(store);
  },
  inject: [METAQUEUE_MODULE_OPTIONS, RECORD_BUFFER, { token: APP_DATA_SOURCE, optional: true }],
};
