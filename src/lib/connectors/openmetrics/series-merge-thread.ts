import { Worker } from 'node:worker_threads';
import { errorMessages } from '../../metaqueue.messages.js';
import type { SeriesMerge } from './series-merge.interface.js';

interface Reply {
  id: number;
  bytes?: Uint8Array;
  merged?: number;
  error?: { message: string } & Record<string, unknown>;
}

interface Call {
  resolve(family: { bytes: Uint8Array; merged: number }): void;
  reject(error: Error): void;
}

const workerFile = new URL('./series-merge.worker.mjs', import.meta.url);

/**
 * Merges spooled family files into their series (see `mergeSeries`) on a
 * worker thread, so a rotation's join never holds the app's event loop. The
 * thread starts with the first join, holds the process open only while one
 * is under way, and a thread that stopped is replaced at the next join.
 */
export class SeriesMergeThread {
  private worker?: Worker;
  private readonly calls = new Map<number, Call>();
  private nextId = 0;

  constructor(private readonly merge: SeriesMerge) {}

  /** The family file `file` merged into its series: the bytes to write, and how many samples merged. */
  mergeFile(file: string): Promise<{ bytes: Uint8Array; merged: number }> {
    const worker = (this.worker ??= this.start());
    const id = this.nextId++;
    if (this.calls.size === 0) worker.ref();
    return new Promise((resolve, reject) => {
      this.calls.set(id, { resolve, reject });
      worker.postMessage({ id, file, merge: this.merge });
    });
  }

  /** Stops the thread; a join under way fails. Idempotent. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private start(): Worker {
    // Plain JavaScript: none of the app's loaders (a TypeScript one would slow every import).
    const worker = new Worker(workerFile, { execArgv: [] });
    worker.on('message', (reply: Reply) => this.settle(reply));
    worker.on('error', (error) => this.stop(worker, error));
    worker.on('exit', () => this.stop(worker, new Error(errorMessages.seriesMergeThreadStopped())));
    worker.unref();
    return worker;
  }

  private settle({ id, bytes, merged, error }: Reply): void {
    const call = this.calls.get(id);
    if (!call) return;
    this.calls.delete(id);
    if (this.calls.size === 0) this.worker?.unref();
    if (error) call.reject(Object.assign(new Error(error.message), error));
    else call.resolve({ bytes: bytes!, merged: merged! });
  }

  /** Fails every join under way; the next join starts a new thread. */
  private stop(worker: Worker, error: Error): void {
    if (this.worker === worker) this.worker = undefined;
    for (const call of this.calls.values()) call.reject(error);
    this.calls.clear();
  }
}
