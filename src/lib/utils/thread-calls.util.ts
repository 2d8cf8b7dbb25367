import type { Worker } from 'node:worker_threads';

/** A worker's answer to one request: its result, or the error's own fields. */
interface Reply {
  id: number;
  result?: unknown;
  error?: { message: string } & Record<string, unknown>;
}

/**
 * Requests to a worker thread, one message each way, matched by id: the
 * thread holds the process open only while a request is under way, as a
 * socket would; errors come back with their own fields (a DatabaseError's
 * SQLSTATE, a file system error's code). Once the thread ends, every request
 * under way and every later one fails with why.
 */
export class ThreadCalls {
  private readonly calls = new Map<
    number,
    { resolve(result: unknown): void; reject(error: Error): void }
  >();
  private nextId = 0;
  private stopped?: Error;

  constructor(
    private readonly worker: Worker,
    /** Why the thread ended, when it exits without an error of its own. */
    exited: () => string,
    /** Runs each time the last request under way settles. */
    private readonly onIdle: () => void = () => {},
  ) {
    worker.on('message', (reply: Reply) => this.settle(reply));
    worker.on('error', (error) => this.stop(error));
    worker.on('exit', () => this.stop(new Error(exited())));
    worker.unref();
  }

  /** Whether a request is under way. */
  get busy(): boolean {
    return this.calls.size > 0;
  }

  /** Whether the thread has ended. */
  get ended(): boolean {
    return this.stopped !== undefined;
  }

  /** Sends `request` (with an `id` added) and resolves to the worker's result. */
  call(request: object): Promise<unknown> {
    if (this.stopped) return Promise.reject(this.stopped);
    const id = this.nextId++;
    if (this.calls.size === 0) this.worker.ref();
    this.worker.postMessage({ id, ...request });
    return new Promise((resolve, reject) => this.calls.set(id, { resolve, reject }));
  }

  private settle({ id, result, error }: Reply): void {
    const call = this.calls.get(id);
    if (!call) return;
    this.calls.delete(id);
    if (this.calls.size === 0) this.worker.unref();
    if (error) call.reject(Object.assign(new Error(error.message), error));
    else call.resolve(result);
    if (this.calls.size === 0) this.onIdle();
  }

  private stop(error: Error): void {
    this.stopped ??= error;
    for (const call of this.calls.values()) call.reject(this.stopped);
    this.calls.clear();
  }
}
