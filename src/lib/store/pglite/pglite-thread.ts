import type { Results } from '@electric-sql/pglite';
import { Worker } from 'node:worker_threads';
import { errorMessages } from '../../metaqueue.messages.js';
import { ThreadCalls } from '../../utils/thread-calls.util.js';

/** What the store asks of its embedded database. */
export interface EmbeddedDatabase {
  query(sql: string, params?: unknown[]): Promise<Results>;
  /** Runs statements without parameters; a result for each. */
  exec(sql: string): Promise<Results[]>;
  /** Runs `COPY ... FROM '/dev/blob'` with `bytes` as its input. */
  copy(sql: string, bytes: Uint8Array): Promise<void>;
  close(): Promise<void>;
  /** Whether a request is under way. */
  readonly busy: boolean;
  /** Runs `listener` each time the last request under way settles. */
  onIdle(listener: () => void): void;
}

type Request =
  | { kind: 'query'; sql: string; params?: unknown[] }
  | { kind: 'exec'; sql: string }
  | { kind: 'copy'; sql: string; bytes: Uint8Array }
  | { kind: 'close' };

const workerFile = new URL('./pglite-thread.worker.mjs', import.meta.url);

/**
 * Embedded PGlite on a worker thread: its COPY, in WebAssembly with
 * synchronous file system calls, runs beside the app's event loop instead of
 * holding it. A request is one message each way; errors come back with their
 * SQLSTATE. The thread holds the process open only while a request is under
 * way, as a socket to a server would.
 */
export class PGliteThread implements EmbeddedDatabase {
  private readonly calls: ThreadCalls;
  private readonly idleListeners: (() => void)[] = [];

  private constructor(private readonly worker: Worker) {
    this.calls = new ThreadCalls(worker, errorMessages.pgliteThreadStopped, () => {
      for (const listener of this.idleListeners) listener();
    });
  }

  /** Opens the database in `dataDir` (created if missing), or in memory without one. */
  static async open(dataDir?: string): Promise<PGliteThread> {
    // Plain JavaScript: none of the app's loaders (a TypeScript one would slow every import).
    const worker = new Worker(workerFile, { workerData: { dataDir }, execArgv: [] });
    // The first message says the database is open; an error before it says why it is not.
    await new Promise<void>((resolve, reject) => {
      const opened = () => {
        worker.off('error', failed);
        resolve();
      };
      const failed = (error: Error) => {
        worker.off('message', opened);
        reject(error);
      };
      worker.once('message', opened);
      worker.once('error', failed);
    });
    return new PGliteThread(worker);
  }

  query(sql: string, params?: unknown[]): Promise<Results> {
    return this.call({ kind: 'query', sql, params }) as Promise<Results>;
  }

  exec(sql: string): Promise<Results[]> {
    return this.call({ kind: 'exec', sql }) as Promise<Results[]>;
  }

  async copy(sql: string, bytes: Uint8Array): Promise<void> {
    await this.call({ kind: 'copy', sql, bytes });
  }

  async close(): Promise<void> {
    if (this.calls.ended) return;
    await this.call({ kind: 'close' });
    await this.worker.terminate();
  }

  /** Whether a request is under way. */
  get busy(): boolean {
    return this.calls.busy;
  }

  /** Runs `listener` each time the last request under way settles (reads wait for it). */
  onIdle(listener: () => void): void {
    this.idleListeners.push(listener);
  }

  private call(request: Request): Promise<unknown> {
    return this.calls.call(request);
  }
}
