import type { FactoryProvider } from '@nestjs/common';
import type { MetaqueueModuleOptions } from '../metaqueue-options.interface.js';
import { METAQUEUE_MODULE_OPTIONS } from '../metaqueue.tokens.js';
import { MetadataStore } from './metadata-store.js';

/** The store, opened at startup; `null` with `store: false`, and in a publisher-only app. */
export const metadataStoreProvider: FactoryProvider<MetadataStore | null> = {
  provide: MetadataStore,
  useFactory: (options: MetaqueueModuleOptions) =>
    options.store === false || options.broker?.role === 'publisher'
      ? null
      : MetadataStore.open(options.store ?? {}),
  inject: [METAQUEUE_MODULE_OPTIONS],
};
