import type { FactoryProvider } from '@nestjs/common';
import type { MetaqueueModuleOptions } from '../metaqueue-options.interface.js';
import { METAQUEUE_MODULE_OPTIONS } from '../metaqueue.tokens.js';
import { MetadataStore } from './metadata-store.js';

/** The store, opened at startup; `null` when the options say `store: false`. */
export const metadataStoreProvider: FactoryProvider<MetadataStore | null> = {
  provide: MetadataStore,
  useFactory: (options: MetaqueueModuleOptions) =>
    options.store === false ? null : MetadataStore.open(options.store ?? {}),
  inject: [METAQUEUE_MODULE_OPTIONS],
};
