import { Worker } from 'node:worker_threads';
import { errorMessages } from '../../metaqueue.messages.js';
import { ThreadCalls } from '../../utils/thread-calls.util.js';
import type { SeriesMerge } from './series-merge.interface.js';

const workerFile = new URL('./series-merge.worker.mjs', import.meta.url);

/**
 * Merges spooled family files into their series (see `mergeSeries`) on a
 * worker thread, so a rotation's join never holds the app's event loop. The
 * thread starts with the first join, holds the process open only while one
 * is under way, and a thread that stopped is replaced at the next join.
 */
export class SeriesMergeThread {
  private thread?: { worker: Worker; calls: ThreadCalls };

  constructor(private readonly merge: SeriesMerge) {}

  /** The family file `file` merged into its series: the bytes to write, and how many samples merged. */
  mergeFile(file: string): Promise<{ bytes: Uint8Array; merged: number }> {
    if (!this.thread || this.thread.calls.ended) this.thread = start();
    return this.thread.calls.call({ file, merge: this.merge }) as Promise<{
      bytes: Uint8Array;
      merged: number;
    }>;
  }

  /** Stops the thread; a join under way fails. Idempotent. */
  async close(): Promise<void> {
    const thread = this.thread;
    this.thread = undefined;
    await thread?.worker.terminate();
  }
}

function start(): { worker: Worker; calls: ThreadCalls } {
  // Plain JavaScript: none of the app's loaders (a TypeScript one would slow every import).
  const worker = new Worker(workerFile, { execArgv: [] });
  return { worker, calls: new ThreadCalls(worker, errorMessages.seriesMergeThreadStopped) };
}
