import { availableParallelism } from 'node:os';
import type { FactoryProvider } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { MetaqueueConfigError } from '../../errors/metaqueue.errors.js';
import { defaults } from '../../metaqueue.defaults.js';
import { errorMessages } from '../../metaqueue.messages.js';
import { METAQUEUE_MODULE_OPTIONS } from '../../metaqueue.tokens.js';
import { MetadataStore } from '../metadata-store.js';
import { embeddedDatabaseOf } from '../pglite/pglite-pool.js';
import { EmbeddedReads } from './embedded-reads.js';
import { MetadataReads } from './metadata-reads.js';
import type { ReadModuleOptions, ReadOptions } from './read-options.interface.js';
import { ServerReads } from './server-reads.js';

/**
 * The read pool a host of `cores` gets by default: one core left to the
 * writer. Heavy reads that held both cores of a 2-core host made each flush
 * 3-5x slower; with one core left the flush took its usual time.
 */
export function defaultReadPoolSize(cores = availableParallelism()): number {
  return Math.max(1, Math.min(defaults.reads.poolSizeAtMost, cores - 1));
}

/** The read options with their defaults, checked once. */
export function resolveReadOptions(options: ReadOptions = {}): Required<ReadOptions> {
  const { statementTimeoutMs, stalledClientTimeoutMs } = defaults.reads;
  const resolved = {
    poolSize: defaultReadPoolSize(),
    statementTimeoutMs,
    stalledClientTimeoutMs,
    ...options,
  };
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new MetaqueueConfigError(errorMessages.invalidReadOption(name, value));
    }
  }
  return resolved;
}

/**
 * Where reads run for the store's DataSource: a pool of their own from the
 * same connection options (the application's DataSource included: its pool
 * stays its own), or behind the writer on embedded PGlite.
 */
export function openReads(dataSource: DataSource, options: Required<ReadOptions>): MetadataReads {
  const embedded = embeddedDatabaseOf(
    'driver' in dataSource.options ? dataSource.options.driver : undefined,
  );
  if (embedded) return new EmbeddedReads(embedded, options.statementTimeoutMs);
  return new ServerReads(dataSource, options.poolSize, options.statementTimeoutMs);
}

/** The reads of the store; `null` without a store. */
export const metadataReadsProvider: FactoryProvider<MetadataReads | null> = {
  provide: MetadataReads,
  useFactory: (options: ReadModuleOptions, store: MetadataStore | null) =>
    store && openReads(store.dataSource, resolveReadOptions(options.reads)),
  inject: [METAQUEUE_MODULE_OPTIONS, MetadataStore],
};
