import type { LoggerService } from '@nestjs/common';
import { writeSync } from 'node:fs';
import { open, rename, rm, statfs, type FileHandle } from 'node:fs/promises';
import type { JournalOutcome, RecordJournal } from '../record-journal.interface.js';
import type { TopicQueues } from '../topic-queues.js';
import type { MetadataRecord } from '../../record/metadata.interface.js';
import { logMessages } from '../../metaqueue.messages.js';
import type { ResolvedDiskBuffer } from './disk-buffer-options.js';
import type { LogDirectory } from './log-directory.js';
import { logFormat, segmentHeader } from './log-format.js';
import type { LogPosition } from './log-position.js';
import type { LogSegments } from './log-segments.js';
import { PendingFrames } from './pending-frames.js';
import { WriteFailures } from './write-failures.js';
import { WriteWaiters } from './write-waiters.js';

/** The longest the writer goes on writing publishes at once without letting the event loop turn. */
const turnEveryMs = 10;

/**
 * Appends what the topics' queues hold to the log, with group commit: all
 * records published in one tick go in one write (and one fsync with
 * `sync: 'always'`); then their publishes resolve. The queues in front of it
 * stay bounded by `bufferSize`: when the log is full, the writer stops taking
 * from them, and the topics' overflow policies act.
 *
 * A write that fails (a full disk, an I/O error) keeps its records and is
 * retried with backoff; the whole frames a short write left are kept, the
 * torn one is cut. On a full disk, a current segment every sink has
 * acknowledged to its end is emptied, so the log frees its own space.
 */
export class LogWriter implements RecordJournal {
  /** Bytes of every segment on disk. */
  bytes = 0;
  private readonly failures: WriteFailures;
  private segment = 0;
  private size = 0;
  private file?: FileHandle;
  private dirty = false;
  private readonly waiters = new WriteWaiters();
  /** Taken from the queues and not yet written: after a failed write, or past the room. */
  private readonly pending = new PendingFrames();
  /** A failed write may have left bytes past `size` that could not be cut yet. */
  private tornTail = false;
  /** The current segment was emptied but not renumbered: the next record goes to a new one. */
  private sealed = false;
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
    private readonly segments: LogSegments,
    private readonly options: ResolvedDiskBuffer,
    private readonly queues: TopicQueues,
    private readonly logger: LoggerService,
    /** Whether every sink has acknowledged everything written: a record of any size may go in. */
    private readonly drained: () => boolean,
    private readonly onAppended: (records: number) => void,
    /** The writer left a segment for a new one: the one it left may be deleted now. */
    private readonly onRolled: () => void,
  ) {
    this.failures = new WriteFailures(logger, {
      failed: logMessages.bufferWriteFailed,
      outOfSpace: logMessages.bufferDiskFull,
      recovered: () => logMessages.bufferWriteRecovered(dir.path),
    });
  }

  /** Writes that failed (a full disk, an I/O error) and were retried. */
  get failedWrites(): number {
    return this.failures.count;
  }

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

  /**
   * Every sink has all that is written. A write waiting for disk space can
   * empty the segment now; and a disk with less room free than the segment
   * holds is given back, not left full for the next burst (and for every
   * other program on it).
   */
  caughtUp(): void {
    if (this.size > logFormat.headerBytes) this.chain = this.chain.then(() => this.giveBackSpace());
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
    if (this.tornTail) await this.cutTornTail().catch(() => undefined);
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

  /**
   * Writes one batch; whether it wrote one and more may wait. A publish
   * resolves only once its frame is whole in the file (and synced, with
   * `sync: 'always'`): of a short write, only the whole frames count.
   */
  private async writeOnce(): Promise<boolean> {
    if (this.tornTail) await this.cutTornTail();
    this.take();
    const count = this.fitting();
    if (count === 0) return false;
    if (this.failures.outOfSpace && this.size > logFormat.headerBytes && this.drained()) {
      await this.reuseSegment();
    } else if (this.sealed || this.size >= this.options.segmentBytes) {
      await this.roll(this.segment + 1);
    }
    const written = writeAll(this.file!, this.pending.head(count), this.size);
    let failure = written.error;
    let whole = failure ? this.pending.wholeFrames(written.bytes) : count;
    if (whole > 0 && this.options.sync === 'always') {
      try {
        await this.file!.datasync();
      } catch (error) {
        failure = error as Error;
        whole = 0;
      }
    }
    if (whole > 0) this.appended(whole);
    if (failure) {
      // Past the whole frames: part of a frame, or frames not synced. Cut, or a reader would take them for damage.
      this.tornTail = true;
      await this.cutTornTail().catch(() => undefined);
      throw failure;
    }
    this.failures.succeeded();
    return true;
  }

  /** The first `count` pending frames are in the segment now: their publishes resolve. */
  private appended(count: number): void {
    const bytes = this.pending.head(count).length;
    this.size += bytes;
    this.bytes += bytes;
    this.segments.resize(this.segment, this.size);
    const records = this.pending.shift(count);
    this.dirty = true;
    this.waiters.settleWritten(records);
    this.onAppended(records.length);
  }

  private async cutTornTail(): Promise<void> {
    await this.file!.truncate(this.size);
    this.tornTail = false;
  }

  private async giveBackSpace(): Promise<void> {
    if (!this.file || this.size <= logFormat.headerBytes || !this.drained()) return;
    try {
      const { bavail, bsize } = await statfs(this.dir.path);
      if (bavail * bsize >= this.size) return;
      await this.reuseSegment();
      // Publishes waiting for space need not wait for the backoff.
      this.schedule();
    } catch (error) {
      // Tried again at the next acknowledgement.
      this.failures.failed(error, this.dir.segmentPath(this.segment));
    }
  }

  /**
   * The disk is full, and every sink has acknowledged the current segment to
   * its end: empties it, and goes on in it under the next number. Its space is
   * freed even where not one more file fits, and every position the ledger
   * holds stays behind what is written from now on. Emptied before renamed:
   * a crash between the two leaves a ledger ahead of an empty segment (logged
   * and counted at the next start), never a record delivered twice.
   */
  private async reuseSegment(): Promise<void> {
    const next = this.segment + 1;
    await this.file!.truncate(logFormat.headerBytes);
    this.bytes -= this.size - logFormat.headerBytes;
    this.size = logFormat.headerBytes;
    this.segments.resize(this.segment, this.size);
    // The ledger's positions in it are past its end now: under this number it takes no record.
    this.sealed = true;
    await rename(this.dir.segmentPath(this.segment), this.dir.segmentPath(next));
    this.segment = next;
    this.sealed = false;
    this.segments.renumberLast(next, this.size);
    if (this.options.sync !== 'none') await this.dir.sync();
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

  /** Starts segment `segment`; if that fails (a full disk), the current one stays open, and no new file is left. */
  private async roll(segment: number): Promise<void> {
    const header = segmentHeader();
    const path = this.dir.segmentPath(segment);
    const next = await open(path, 'w');
    try {
      const { error } = writeAll(next, header, 0);
      if (error) throw error;
      if (this.options.sync !== 'none') {
        await next.sync();
        await this.dir.sync();
        await this.file?.sync();
      }
    } catch (error) {
      await next.close();
      await rm(path, { force: true }).catch(() => undefined);
      throw error;
    }
    await this.file?.close();
    this.file = next;
    this.segment = segment;
    this.size = header.length;
    this.bytes += header.length;
    this.segments.resize(segment, this.size);
    this.sealed = false;
    this.onRolled();
  }

  private retryLater(error: unknown): void {
    this.failures.failed(error, this.dir.segmentPath(this.segment));
    this.retryMs = Math.min(Math.max(this.retryMs * 2, 50), 2_000);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.flush(), this.retryMs);
    this.retryTimer.unref();
  }

  private syncNow(): Promise<void> {
    if (!this.dirty || !this.file) return Promise.resolve();
    this.dirty = false;
    const segment = this.dir.segmentPath(this.segment);
    this.syncing = this.file.datasync().catch((error: unknown) => {
      this.dirty = true;
      this.failures.failed(error, segment);
    });
    return this.syncing;
  }
}

/**
 * Hands `bytes` to the kernel, where a process crash cannot lose them. A
 * write to the page cache takes microseconds, less than a round trip through
 * libuv's thread pool, for which every publish of the tick would wait.
 * Returns the bytes written, and the error that stopped it short, if any.
 */
function writeAll(
  file: FileHandle,
  bytes: Buffer,
  position: number,
): { bytes: number; error?: Error } {
  let written = 0;
  try {
    while (written < bytes.length) {
      written += writeSync(file.fd, bytes, written, bytes.length - written, position + written);
    }
    return { bytes: written };
  } catch (error) {
    return { bytes: written, error: error as Error };
  }
}
