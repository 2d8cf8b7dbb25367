import type { OnApplicationShutdown } from '@nestjs/common';

/** A query's rows a batch at a time, read as the consumer asks for them. */
export interface ReadCursor<T> {
  /** The next rows; none once the query has no more. */
  next(): Promise<T[]>;
  /** Ends the query and gives its connection back; safe to call more than once. */
  close(): Promise<void>;
}

/**
 * Where reads run, apart from the store's writes: a pool of their own on
 * PostgreSQL, behind the writer on PGlite. Every read is bounded by the read
 * timeout (`ReadTimeoutError`) and stopped when `signal` aborts
 * (`ReadCancelledError`).
 */
export abstract class MetadataReads implements OnApplicationShutdown {
  /** The rows of a statement whose own LIMIT bounds them. */
  abstract query<T>(sql: string, params: unknown[], signal?: AbortSignal): Promise<T[]>;

  /** The rows of a statement, `batchSize` at a time; the first batch is read before it returns. */
  abstract cursor<T>(
    sql: string,
    params: unknown[],
    batchSize: number,
    signal?: AbortSignal,
  ): Promise<ReadCursor<T>>;

  abstract close(): Promise<void>;

  onApplicationShutdown(): Promise<void> {
    return this.close();
  }
}
