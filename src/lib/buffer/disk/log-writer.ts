import type { LoggerService } from '@nestjs/common';
import { writeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { JournalOutcome, RecordJournal } from '../record-journal.interface.js';
import type { TopicQueues } from '../topic-queues.js';
import type { MetadataRecord } from '../../record/metadata.interface.js';
import { logMessages } from '../../metaqueue.messages.js';
import { describeError } from '../../errors/describe-error.util.js';
import type { ResolvedDiskBuffer } from './disk-buffer-options.js';
import type { LogDirectory } from './log-directory.js';
import { segmentHeader } from './log-format.js';
import type { LogPosition } from './log-position.js';
import { PendingFrames } from './pending-frames.js';
import { WriteWaiters } from './write-waiters.js';

/** The longest the writer goes on writing publishes at once without letting the event loop turn. */
const turnEveryMs = 10;

/**
 * Appends what the topics' queues hold to the log, with group commit: all
 * records published in one tick go in one write (and one fsync with
 * `sync: 'always'`); then their publishes resolve. The queues in front of it
 * stay bounded by `bufferSize`: when the log is full, the writer stops taking
 * from them, and the topics' overflow policies act.
 */
export class LogWriter implements RecordJournal {
  /** Bytes of every segment on disk. */
  bytes = 0;
  /** Writes that failed (a full disk, an I/O error) and were retried. */
  failedWrites = 0;
  private segment = 0;
  private size = 0;
  private file?: FileHandle;
  private dirty = false;
  private readonly waiters = new WriteWaiters();
  /** Taken from the queues and not yet written: after a failed write, or past the room. */
  private readonly pending = new PendingFrames();
  private chain: Promise<void> = Promise.resolve();
  private scheduled = false;
  /** When a write last waited for a turn of the event loop. */
  private turnedAt = -Infinity;
  private retryMs = 0;
  private retryTimer?: NodeJS.Timeout;
  private syncTimer?: NodeJS.Timeout;
  private syncing?: Promise<void>;
  private closed = false;

  constructor(
    private readonly dir: LogDirectory,
    private readonly options: ResolvedDiskBuffer,
    private readonly queues: TopicQueues,
    private readonly logger: LoggerService,
    /** Whether every sink has acknowledged everything written: a record of any size may go in. */
    private readonly drained: () => boolean,
    private readonly onAppended: (records: number) => void,
  ) {}

  /** Where the next record will be written. */
  get end(): LogPosition {
    return { segment: this.segment, offset: this.size };
  }

  /** Continues the last segment at `size` bytes, or starts segment `segment` afresh. */
  async open(segment: number, size: number, bytes: number): Promise<void> {
    this.bytes = bytes;
    if (size > 0) {
      this.segment = segment;
      this.size = size;
      this.file = await open(this.dir.segmentPath(segment), 'r+');
    } else {
      await this.roll(segment);
    }
    if (this.options.sync === 'interval') {
      this.syncTimer = setInterval(() => void this.syncNow(), this.options.syncIntervalMs);
      this.syncTimer.unref();
    }
    this.schedule();
  }

  written(record: MetadataRecord): Promise<JournalOutcome> {
    const outcome = this.waiters.claim(record);
    if (outcome) return Promise.resolve(outcome);
    if (this.closed) return Promise.resolve('closed');
    const written = this.waiters.wait(record);
    this.schedule();
    return written;
  }

  evicted(record: MetadataRecord): void {
    this.waiters.settle(record, 'evicted');
  }

  /** Some segments were deleted: records that did not fit may now. */
  freed(bytes: number): void {
    this.bytes -= bytes;
    this.schedule();
  }

  /** Writes what the queues hold now, as far as the log has room; resolves when done. */
  flush(): Promise<void> {
    this.chain = this.chain.then(() => this.drain());
    return this.chain;
  }

  /**
   * Writes what it can, then settles the publishes still waiting as closed,
   * makes the log durable as `sync` asks, and closes the segment.
   */
  async close(): Promise<void> {
    clearInterval(this.syncTimer);
    clearTimeout(this.retryTimer);
    await this.flush();
    this.closed = true;
    this.waiters.settleAll('closed');
    await this.syncing;
    if (this.options.sync !== 'none') await this.syncNow();
    // Unset first: a write scheduled before close() then finds no file, not a closed one.
    const file = this.file;
    this.file = undefined;
    await file?.close();
  }

  /**
   * One write per tick, however many publishes it holds: group commit. The
   * write follows the tick's publishes at once (`nextTick`), not after a turn
   * of the event loop, which cost a third of a publish; but at least every
   * `turnEveryMs` it waits for one, so a loop of awaited publishes cannot
   * starve the app's I/O while the log has room.
   */
  private schedule(): void {
    if (this.scheduled || !this.file || this.closed) return;
    this.scheduled = true;
    if (performance.now() - this.turnedAt < turnEveryMs) {
      process.nextTick(this.scheduledFlush);
    } else {
      setImmediate(() => {
        this.turnedAt = performance.now();
        this.scheduledFlush();
      });
    }
  }

  private readonly scheduledFlush = (): void => {
    this.scheduled = false;
    void this.flush();
  };

  private async drain(): Promise<void> {
    if (!this.file) return;
    try {
      while (await this.writeOnce());
      this.retryMs = 0;
    } catch (error) {
      this.retryLater(error);
    }
  }

  /** Writes one batch; whether it wrote one and more may wait. */
  private async writeOnce(): Promise<boolean> {
    this.take();
    const count = this.fitting();
    if (count === 0) return false;
    if (this.size >= this.options.segmentBytes) await this.roll(this.segment + 1);
    const at = this.size;
    const bytes = this.pending.head(count);
    try {
      writeAll(this.file!, bytes, at);
      if (this.options.sync === 'always') await this.file!.datasync();
    } catch (error) {
      // A short write (a full disk) leaves part of a frame: cut it, or the retry would follow it.
      await this.file!.truncate(at).catch(() => undefined);
      throw error;
    }
    if (this.retryMs > 0) this.logger.log(logMessages.bufferWriteRecovered(this.dir.path));
    this.size += bytes.length;
    this.bytes += bytes.length;
    const records = this.pending.shift(count);
    this.dirty = true;
    this.waiters.settleWritten(records);
    this.onAppended(records.length);
    return true;
  }

  /**
   * Takes from the queues what the log has room for, up to a segment's worth.
   * A record that does not fit stays in its queue, so the queues fill and the
   * overflow policies act on it as on any other.
   */
  private take(): void {
    // While writes fail, only the batch that failed is held: the queues take the rest.
    if (this.retryMs > 0) return;
    const room = Math.min(this.room(), this.options.segmentBytes);
    for (const queue of this.queues.all()) {
      // Only the queue's engine offers into it: it holds that engine's records.
      for (
        let record = queue.peek() as MetadataRecord;
        record;
        record = queue.peek() as MetadataRecord
      ) {
        this.pending.push(record);
        if (this.pending.bytes > room && !(this.pending.count === 1 && this.drained())) {
          this.pending.pop();
          return;
        }
        queue.take(1);
      }
    }
  }

  /** Free bytes; a log every sink has caught up with takes a record of any size. */
  private room(): number {
    const free = this.options.maxBytes - this.bytes;
    return this.drained() ? Math.max(free, 1) : free;
  }

  /** How many pending frames fit in the room, in order. */
  private fitting(): number {
    let room = this.room();
    let count = 0;
    for (; count < this.pending.count; count++) {
      const bytes = this.pending.frameBytes(count);
      if (bytes > room && !(count === 0 && this.drained())) break;
      room -= bytes;
    }
    return count;
  }

  /** Starts segment `segment`; if that fails (a full disk), the current one stays open. */
  private async roll(segment: number): Promise<void> {
    const header = segmentHeader();
    const next = await open(this.dir.segmentPath(segment), 'w');
    try {
      writeAll(next, header, 0);
      if (this.options.sync !== 'none') {
        await next.sync();
        await this.dir.sync();
      }
    } catch (error) {
      await next.close();
      throw error;
    }
    if (this.file) {
      if (this.options.sync !== 'none') await this.file.sync();
      await this.file.close();
    }
    this.file = next;
    this.segment = segment;
    this.size = header.length;
    this.bytes += header.length;
  }

  private retryLater(error: unknown): void {
    this.failedWrites++;
    if (this.retryMs === 0) {
      this.logger.error(logMessages.bufferWriteFailed(this.dir.path, describeError(error)));
    }
    this.retryMs = Math.min(Math.max(this.retryMs * 2, 50), 2_000);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.flush(), this.retryMs);
    this.retryTimer.unref();
  }

  private syncNow(): Promise<void> {
    if (!this.dirty || !this.file) return Promise.resolve();
    this.dirty = false;
    this.syncing = this.file.datasync().catch((error: unknown) => {
      this.dirty = true;
      this.logger.error(logMessages.bufferWriteFailed(this.dir.path, describeError(error)));
    });
    return this.syncing;
  }
}

/**
 * Hands `bytes` to the kernel, where a process crash cannot lose them. A
 * write to the page cache takes microseconds, less than a round trip through
 * libuv's thread pool, for which every publish of the tick would wait.
 */
function writeAll(file: FileHandle, bytes: Buffer, position: number): void {
  for (let written = 0; written < bytes.length;) {
    written += writeSync(file.fd, bytes, written, bytes.length - written, position + written);
  }
}
