import { PGliteReadQueue } from '../pglite/pglite-read-queue.js';
import type { EmbeddedDatabase } from '../pglite/pglite-thread.js';
import { MetadataReads, type ReadCursor } from './metadata-reads.js';

/**
 * Reads on embedded PGlite, whose one database thread serves the writer too:
 * reads queue behind writes (`PGliteReadQueue`). A statement is read whole
 * (a cursor held open across requests would hold the thread's one session
 * between writes); a page's own bound keeps that small.
 */
export class EmbeddedReads extends MetadataReads {
  private readonly queue: PGliteReadQueue;

  constructor(db: EmbeddedDatabase, timeoutMs: number) {
    super();
    this.queue = new PGliteReadQueue(
      (sql, params) => db.query(sql, params),
      () => db.busy,
      timeoutMs,
    );
    db.onIdle(() => this.queue.idle());
  }

  async query<T>(sql: string, params: unknown[], signal?: AbortSignal): Promise<T[]> {
    return (await this.queue.read(sql, params, signal)).rows as T[];
  }

  async cursor<T>(
    sql: string,
    params: unknown[],
    batchSize: number,
    signal?: AbortSignal,
  ): Promise<ReadCursor<T>> {
    let rows = await this.query<T>(sql, params, signal);
    return {
      next: () => {
        const batch = rows.slice(0, batchSize);
        rows = rows.slice(batchSize);
        return Promise.resolve(batch);
      },
      close: () => {
        rows = [];
        return Promise.resolve();
      },
    };
  }

  /** The store closes the database; nothing of the reads' own is left open. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
