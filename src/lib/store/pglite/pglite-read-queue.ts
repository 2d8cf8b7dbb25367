import type { Results } from '@electric-sql/pglite';
import { ReadCancelledError, ReadTimeoutError } from '../../errors/metaqueue.errors.js';
import { httpMessages } from '../../metaqueue.messages.js';

interface WaitingRead {
  sql: string;
  params: unknown[];
  signal?: AbortSignal;
  resolve(result: Results): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * Reads on PGlite's one database thread, behind the writer: a read is sent
 * only while the thread has nothing else to do, one at a time, so a write
 * waits for at most the one read already running. A read that waits or runs
 * past `timeoutMs` is refused; one whose caller left is dropped from the
 * queue. A statement already running cannot be interrupted (PGlite has no
 * statement timeout): its caller is answered at the deadline, and the thread
 * finishes it.
 */
export class PGliteReadQueue {
  private readonly waiting: WaitingRead[] = [];
  private running?: WaitingRead;

  constructor(
    private readonly send: (sql: string, params: unknown[]) => Promise<Results>,
    /** Whether the thread has a request under way. */
    private readonly busy: () => boolean,
    private readonly timeoutMs: number,
  ) {}

  read(sql: string, params: unknown[], signal?: AbortSignal): Promise<Results> {
    if (signal?.aborted) return Promise.reject(new ReadCancelledError());
    return new Promise((resolve, reject) => {
      const read: WaitingRead = {
        sql,
        params,
        signal,
        resolve,
        reject,
        timer: setTimeout(
          () => this.drop(read, new ReadTimeoutError(httpMessages.readTimedOut(this.timeoutMs))),
          this.timeoutMs,
        ),
      };
      signal?.addEventListener('abort', () => this.drop(read, new ReadCancelledError()), {
        once: true,
      });
      this.waiting.push(read);
      this.idle();
    });
  }

  /** Sends the next read if the thread has nothing under way; called each time it has not. */
  idle(): void {
    if (this.running || this.busy()) return;
    const read = this.waiting.shift();
    if (!read) return;
    this.running = read;
    this.send(read.sql, read.params).then(
      (result) => {
        this.finished(read);
        read.resolve(result);
      },
      (error: Error) => {
        this.finished(read);
        read.reject(error);
      },
    );
  }

  /** The next read goes as soon as this one is done: before its caller hears of it. */
  private finished(read: WaitingRead): void {
    clearTimeout(read.timer);
    this.running = undefined;
    this.idle();
  }

  private drop(read: WaitingRead, error: Error): void {
    clearTimeout(read.timer);
    const at = this.waiting.indexOf(read);
    if (at >= 0) this.waiting.splice(at, 1);
    // A started read answers its caller now; its result, when it comes, goes nowhere.
    read.reject(error);
  }
}
