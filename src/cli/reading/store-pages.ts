import { HttpException } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { describeError, errorCode } from '../../lib/errors/describe-error.util.js';
import { MetaqueueConfigError } from '../../lib/errors/metaqueue.errors.js';
import type { MetadataPage, MetadataQuery, StoreOptions } from '../../lib/index.js';
import { MetadataQueryService } from '../../lib/query/metadata-query.service.js';
import { createDataSource } from '../../lib/store/data-source.factory.js';
import type { MetadataReads } from '../../lib/store/reads/metadata-reads.js';
import { openReads, resolveReadOptions } from '../../lib/store/reads/metadata-reads.provider.js';
import { cliMessages } from '../cli.messages.js';
import { CliError, exitCodes } from '../exit-codes.js';
import type { RecordPages } from './record-pages.interface.js';

/** PostgreSQL's "relation does not exist". */
const undefinedTable = '42P01';

/**
 * Pages read from the store itself, with the library's own reads and query
 * service: a read-only session on PostgreSQL, or embedded PGlite opened (and
 * locked) for the time of the command. No migration runs.
 */
export class StorePages implements RecordPages {
  private readonly query: MetadataQueryService;

  private constructor(
    private readonly dataSource: DataSource,
    private readonly reads: MetadataReads,
    readonly source: string,
  ) {
    this.query = new MetadataQueryService(reads, {});
  }

  static async open(store: StoreOptions): Promise<StorePages> {
    let opened: Awaited<ReturnType<typeof createDataSource>>;
    try {
      opened = await createDataSource(store);
    } catch (error) {
      // A directory another process took since the CLI looked: the library says whose.
      if (error instanceof MetaqueueConfigError) {
        throw new CliError(error.message, exitCodes.unavailable);
      }
      throw error;
    }
    const { dataSource, target } = opened;
    try {
      await dataSource.initialize();
    } catch (error) {
      await dataSource.destroy().catch(() => undefined);
      throw new CliError(
        cliMessages.storeUnavailable(target, describeError(error)),
        exitCodes.unavailable,
      );
    }
    // One connection: a command reads one page at a time.
    const reads = openReads(dataSource, resolveReadOptions({ poolSize: 1 }));
    return new StorePages(dataSource, reads, target);
  }

  async page(query: MetadataQuery): Promise<MetadataPage> {
    try {
      return await this.query.find(query);
    } catch (error) {
      // A bad query is the caller's to word; everything else is the store's.
      if (error instanceof HttpException && error.getStatus() === 400) throw error;
      if (errorCode(error) === undefinedTable) {
        throw new CliError(cliMessages.noMetadataTable(this.source), exitCodes.unavailable);
      }
      throw new CliError(
        cliMessages.storeUnavailable(this.source, describeError(error)),
        exitCodes.unavailable,
      );
    }
  }

  async close(): Promise<void> {
    await this.reads.close();
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
