import { EventEmitter } from 'node:events';
import type { Results } from '@electric-sql/pglite';
import type { EmbeddedDatabase } from './pglite-thread.js';

type Callback = (error: Error | null, result?: Results) => void;

/**
 * The slice of node-postgres' Pool that TypeORM's postgres driver uses,
 * over one embedded database. Unlike typeorm-pglite, which keeps a single
 * PGlite per process, each DataSource gets its own database, so two
 * applications in one process never share tables.
 */
export function pglitePoolFor(db: EmbeddedDatabase): PGliteDriver {
  let closing: Promise<void> | undefined;
  class PGlitePool extends EventEmitter {
    connect(callback: (error: Error | null, client: PGlitePool, done: () => void) => void): void {
      callback(null, this, () => undefined);
    }

    query(
      sql: string,
      params: unknown[] | Callback | undefined,
      callback?: Callback,
    ): Promise<Results> {
      const done = typeof params === 'function' ? params : callback;
      const values = typeof params === 'function' ? undefined : params;
      // exec() runs several statements and has no parameters; TypeORM wants the last result.
      const result: Promise<Results> = values?.length
        ? db.query(sql, values)
        : db.exec(sql).then((all) => all.at(-1) ?? { rows: [], fields: [] });
      return result.then(
        (value) => {
          done?.(null, value);
          return value;
        },
        (error: Error) => {
          if (!done) throw error;
          done(error);
          return undefined as never;
        },
      );
    }

    release(): void {}

    /** COPY ... FROM '/dev/blob': PGlite reads `bytes` as the statement's input. */
    copyFromBlob(sql: string, bytes: Uint8Array): Promise<void> {
      return db.copy(sql, bytes);
    }

    /** The DataSource's destroy() ends the pool, and with it the database. */
    end(callback?: (error?: Error) => void): void {
      closing ??= db.close();
      closing.then(
        () => callback?.(),
        (error: Error) => callback?.(error),
      );
    }
  }
  return { Pool: PGlitePool, database: db };
}

/** What TypeORM takes as `driver`, and the database under it (reads go to it directly). */
export interface PGliteDriver {
  Pool: new () => EventEmitter;
  database: EmbeddedDatabase;
}

/** The embedded database under a DataSource's driver option, if it is one of these. */
export function embeddedDatabaseOf(driver: unknown): EmbeddedDatabase | undefined {
  return (driver as Partial<PGliteDriver> | undefined)?.database;
}

/** A connection of a PGlite pool: it copies from a blob, where node-postgres streams. */
export interface PGliteCopyClient {
  copyFromBlob(sql: string, bytes: Uint8Array): Promise<void>;
}

export function isPGliteClient(client: object): client is PGliteCopyClient {
  return typeof (client as Partial<PGliteCopyClient>).copyFromBlob === 'function';
}
