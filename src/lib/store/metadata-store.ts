import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { DataSource } from 'typeorm';
import type { MetadataRecord } from '../record/metadata.interface.js';
import { STORE_SINK } from './store-sink.constants.js';
import { defaults } from '../metaqueue.defaults.js';
import { logMessages } from '../metaqueue.messages.js';
import { copyBytes, copyMetadata, copyMetadataFromBlob, copyRows } from './copy-rows.js';
import { sendCopy } from './send-copy.js';
import { createDataSource, pgliteDataDir } from './data-source.factory.js';
import { deadLetterRow } from './dead-letter-row.js';
import { sentTime } from './record-time.js';
import { isPGliteClient, type PGliteCopyClient } from './pglite/pglite-pool.js';
import { describeError } from '../errors/describe-error.util.js';
import { isRowRefusal, isSchemaMismatch, isStatementTimeout } from './database-errors.js';
import { StoreSchemaError } from '../errors/metaqueue.errors.js';
import type { StoreOptions } from './store-options.interface.js';
import { PartitionMaintenance } from './partitions/partition-maintenance.js';
import { resolveStoreLayout, type StoreLayout } from './partitions/store-layout.js';
import { runPendingMigrations } from './run-migrations.js';
import type { StoreWriteResult } from './store-write-result.interface.js';

// unnest() takes one array per column: seven bind parameters whatever the batch
// size, far below PostgreSQL's 65,535. ON CONFLICT makes every retry harmless.
// It counts the rows it inserted: the others were already stored, by an attempt whose reply was lost.
const insertRecords = `
  WITH inserted AS (
    INSERT INTO "metadata" ("id", "topic", "name", "location", "context", "data", "published_at")
    SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::timestamptz[])
    ON CONFLICT ("id", "published_at") DO NOTHING
    RETURNING 1
  )
  SELECT count(*)::int AS "inserted" FROM inserted`;

const insertDeadLetters = `
  INSERT INTO "metadata_dead_letter" ("id", "topic", "name", "location", "context", "data", "published_at", "reason", "sink")
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::text[], $9::text[])
  ON CONFLICT ("id", "sink") DO NOTHING`;

/**
 * Writes records to PostgreSQL (or PGlite) in bulk, exactly once. A batch goes
 * in with COPY, the fastest path (on PGlite from a blob); COPY is all or nothing, so if
 * it is refused (a row already stored by a retried write, or a poison row)
 * the batch takes the exact path: INSERT ... ON CONFLICT DO NOTHING, split
 * until the refused records are isolated; those go to the dead-letter table
 * with the reason, the rest are stored.
 */
export class MetadataStore implements OnApplicationShutdown {
  private static readonly logger = new Logger('MetadataStore');
  /** Batches COPY refused that took the exact path instead; in `/metrics`. */
  copyFallbacks = 0;
  /** Statements that outlasted the server's `statement_timeout`, each then written in halves; in `/metrics`. */
  statementTimeouts = 0;
  /** Lowered each time a statement outlasts the server's `statement_timeout`. */
  private rowsPerStatement = Infinity;
  /** Partitions ahead, retention, optional indexes: run on the broker's schedule. */
  readonly maintenance: PartitionMaintenance;

  constructor(
    readonly dataSource: DataSource,
    readonly target: string,
    /** COPY: through node-postgres, or from a blob on metaqueue's own PGlite; not through a driver it does not know. */
    private readonly copySupported = true,
    /** Whether metaqueue created the DataSource, and so closes it: never the application's. */
    private readonly ownsDataSource = true,
    layout: StoreLayout = resolveStoreLayout(),
  ) {
    this.maintenance = new PartitionMaintenance(dataSource, layout);
  }

  /** Connects (retrying), runs pending migrations if asked, and returns the store. */
  static async open(options: StoreOptions): Promise<MetadataStore> {
    const attempts = options.retryAttempts ?? defaults.store.retryAttempts;
    const delayMs = options.retryDelayMs ?? defaults.store.retryDelayMs;
    const layout = resolveStoreLayout(options);
    for (let attempt = 1; ; attempt++) {
      const { dataSource, target, embedded } = await createDataSource(options);
      try {
        await dataSource.initialize();
        if (options.runMigrations ?? defaults.store.runMigrations) {
          await runPendingMigrations(dataSource);
        }
        MetadataStore.logger.log(logMessages.storeConnected(target));
        if (embedded) {
          const dataDir = pgliteDataDir(options.pglite);
          // Say where the records live, and warn when that place dies with the process.
          if (dataDir === undefined) MetadataStore.logger.warn(logMessages.storeInMemory());
          else MetadataStore.logger.log(logMessages.embeddedStoreKept(dataDir));
        }
        return new MetadataStore(dataSource, target, true, true, layout);
      } catch (error) {
        if (dataSource.isInitialized) await dataSource.destroy().catch(() => undefined);
        if (attempt >= attempts) throw error;
        MetadataStore.logger.warn(
          logMessages.storeConnectRetry(target, attempt, attempts, describeError(error)),
        );
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
  }

  /**
   * Stores a batch. Rejects only when nothing can be said about the batch
   * (the database is unreachable, the connection broke): the caller retries
   * the whole batch, and rows already stored are skipped.
   */
  async write(records: readonly MetadataRecord[]): Promise<StoreWriteResult> {
    if (records.length === 0) return { deadLettered: [], alreadyWritten: 0 };
    if (records.length > this.rowsPerStatement) return this.writeInParts(records);
    try {
      return await this.writeBatch(records);
    } catch (error) {
      if (isSchemaMismatch(error)) throw new StoreSchemaError(error);
      if (!isStatementTimeout(error) || records.length === 1) throw error;
      // Nothing was committed; the same batch would time out again, forever.
      this.statementTimeouts++;
      this.rowsPerStatement = Math.ceil(records.length / 2);
      MetadataStore.logger.warn(
        logMessages.statementTimeout(records.length, this.rowsPerStatement),
      );
      return this.writeInParts(records);
    }
  }

  /** Writes a batch in statements of at most `rowsPerStatement` rows, one after the other. */
  private async writeInParts(records: readonly MetadataRecord[]): Promise<StoreWriteResult> {
    const result: { deadLettered: MetadataRecord[]; alreadyWritten: number } = {
      deadLettered: [],
      alreadyWritten: 0,
    };
    for (let i = 0; i < records.length;) {
      const part = records.slice(i, i + this.rowsPerStatement);
      i += part.length;
      const written = await this.write(part);
      result.deadLettered.push(...written.deadLettered);
      result.alreadyWritten += written.alreadyWritten;
    }
    return result;
  }

  private async writeBatch(records: readonly MetadataRecord[]): Promise<StoreWriteResult> {
    if (this.copySupported) {
      try {
        await this.copy(records);
        return { deadLettered: [], alreadyWritten: 0 };
      } catch (error) {
        if (!isRowRefusal(error)) throw error;
        this.copyFallbacks++;
      }
    }
    const result = await this.insert(records);
    if (result.deadLettered.length > 0) {
      MetadataStore.logger.warn(logMessages.deadLettered(result.deadLettered.length));
    }
    return result;
  }

  private async insert(records: readonly MetadataRecord[]): Promise<StoreWriteResult> {
    try {
      const [{ inserted }] = await this.dataSource.query<[{ inserted: number }]>(
        insertRecords,
        columns(records),
      );
      return { deadLettered: [], alreadyWritten: records.length - inserted };
    } catch (error) {
      if (!isRowRefusal(error)) throw error;
      if (records.length === 1) {
        await this.keepDeadLetter(records[0], describeError(error), STORE_SINK);
        return { deadLettered: records, alreadyWritten: 0 };
      }
      // Halving finds k refused rows among n in O(k log n) statements; one at a
      // time, so PGlite's single session never sees two statements at once.
      const middle = records.length >>> 1;
      const left = await this.insert(records.slice(0, middle));
      const right = await this.insert(records.slice(middle));
      return {
        deadLettered: [...left.deadLettered, ...right.deadLettered],
        alreadyWritten: left.alreadyWritten + right.alreadyWritten,
      };
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.ownsDataSource && this.dataSource.isInitialized) await this.dataSource.destroy();
  }

  private async copy(records: readonly MetadataRecord[]): Promise<void> {
    const queryRunner = this.dataSource.createQueryRunner();
    try {
      const client = (await queryRunner.connect()) as PoolClient | PGliteCopyClient;
      if (isPGliteClient(client)) {
        await client.copyFromBlob(copyMetadataFromBlob, await copyBytes(records));
      } else {
        await sendCopy(client.query(copyFrom(copyMetadata)), copyRows(records));
      }
    } finally {
      await queryRunner.release();
    }
  }

  /** Keeps a record `sink` refused for good in `metadata_dead_letter`, with the reason. */
  async keepDeadLetter(record: MetadataRecord, reason: string, sink: string): Promise<void> {
    await this.dataSource.query(insertDeadLetters, deadLetterRow(record, reason, sink));
  }
}

function columns(records: readonly MetadataRecord[]): unknown[][] {
  const n = records.length;
  const ids = new Array<string>(n);
  const topics = new Array<string>(n);
  const names = new Array<string>(n);
  const locations = new Array<string>(n);
  const contexts = new Array<string>(n);
  const data = new Array<string>(n);
  const publishedAt = new Array<Date | string>(n);
  for (let i = 0; i < n; i++) {
    const r = records[i];
    ids[i] = r.id;
    topics[i] = r.topic;
    names[i] = r.name;
    locations[i] = r.location;
    contexts[i] = r.context;
    data[i] = r.json;
    publishedAt[i] = sentTime(r.publishedAt);
  }
  return [ids, topics, names, locations, contexts, data, publishedAt];
}
