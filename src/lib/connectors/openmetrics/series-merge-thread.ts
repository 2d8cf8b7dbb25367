import { Worker, type Transferable } from 'node:worker_threads';
import { errorMessages } from '../../metaqueue.messages.js';
import { ThreadCalls } from '../../utils/thread-calls.util.js';
import type { NumberedBatch, SeriesMerge } from './series-merge.interface.js';

const workerFile = new URL('./series-merge.worker.mjs', import.meta.url);

/**
 * Merges spooled family files into their series (see `FamilySeries`) on a
 * worker thread, so neither a batch nor a join holds the app's event loop.
 * The live spool tells it each batch it appends, which it takes in at once:
 * a join of the live spool then only writes its output. A join of any
 * other spool (a crash's) reads the file. The thread starts with the first
 * batch or join, holds the process open only while a join is under way, and
 * a thread that stopped is replaced by the next call: it reads the files
 * whose batches it missed.
 */
export class SeriesMergeThread {
  private thread?: { worker: Worker; calls: ThreadCalls };

  constructor(private readonly merge: SeriesMerge) {}

  /** `bytes` were appended to the family file `file` of the live spool: they are handed over, not copied. */
  appended(file: string, bytes: Uint8Array): void {
    this.post({ kind: 'appended', file, bytes }, [bytes.buffer as ArrayBuffer]);
  }

  /**
   * `bytes` bytes were appended to the family file `file` of the live spool,
   * whose samples are `batch`: its numbers are handed over, not copied.
   */
  numbered(file: string, bytes: number, batch: NumberedBatch): void {
    this.post({ kind: 'numbered', file, bytes, batch }, [batch.samples.buffer]);
  }

  /** The spool `from` was renamed to `to`. */
  moved(from: string, to: string): void {
    this.post({ kind: 'moved', from, to });
  }

  /** The spool `dir` was deleted or started afresh. */
  dropped(dir: string): void {
    this.post({ kind: 'dropped', dir });
  }

  /** Writes the family file `file` merged into its series to the open file `fd`; resolves to how many samples merged. */
  mergeInto(file: string, fd: number): Promise<number> {
    return this.running().calls.call({ file, fd }) as Promise<number>;
  }

  /** Stops the thread; a join under way fails. Idempotent. */
  async close(): Promise<void> {
    const thread = this.thread;
    this.thread = undefined;
    await thread?.worker.terminate();
  }

  private post(message: object, transfer: Transferable[] = []): void {
    this.running().worker.postMessage(message, transfer);
  }

  private running(): { worker: Worker; calls: ThreadCalls } {
    if (!this.thread || this.thread.calls.ended) {
      // Plain JavaScript: none of the app's loaders (a TypeScript one would slow every import).
      const worker = new Worker(workerFile, { execArgv: [], workerData: this.merge });
      this.thread = {
        worker,
        calls: new ThreadCalls(worker, errorMessages.seriesMergeThreadStopped),
      };
    }
    return this.thread;
  }
}
