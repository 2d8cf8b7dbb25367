import { Logger } from '@nestjs/common';
import { logMessages } from '../../metaqueue.messages.js';
import { describeError } from '../../errors/describe-error.util.js';
import type { BatchReader, RecordSource, SourceBatch } from '../record-source.interface.js';
import type { RecordJournal } from '../record-journal.interface.js';
import type { ReplayGuard } from '../replay-guard.interface.js';
import { SkipFileGuard } from '../skip-file-guard.js';
import type { SourceReport } from '../source-report.interface.js';
import type { TopicQueues } from '../topic-queues.js';
import type { ResolvedDiskBuffer } from './disk-buffer-options.js';
import { AcknowledgementOrder } from './acknowledgement-order.js';
import { InFlightBatches } from '../in-flight-batches.js';
import { LogDirectory } from './log-directory.js';
import { logFormat } from './log-format.js';
import { LogLedger } from './log-ledger.js';
import { comparePositions, earliest, type LogPosition } from './log-position.js';
import { LogReader } from './log-reader.js';
import { countRecords, recoverLog } from './log-recovery.js';
import { LogSegments } from './log-segments.js';
import { LogWriter } from './log-writer.js';

/** A batch read from the log, and the position just past it. */
interface LogBatch extends SourceBatch {
  readonly end: LogPosition;
}

/**
 * The disk buffer: a write-ahead log in segments, with one acknowledged
 * position per sink in a ledger. A publish resolves once its record is in the
 * log; the broker reads batches from the log, and a segment is deleted once
 * every sink is past it. At startup each sink replays from its position. Only
 * the batches in flight are in memory, however long the log.
 *
 * This class wires the parts: the directory and its lock, recovery, the
 * writer, the reader and the ledger.
 */
export class DiskRecordSource implements RecordSource {
  private readonly logger = new Logger('DiskBuffer');
  private readonly dir: LogDirectory;
  private readonly writer: LogWriter;
  private readonly ledger: LogLedger;
  private readonly segments = new LogSegments();
  private readonly logReader: LogReader;
  /** Records cut from a torn end at startup. */
  private torn = 0;
  /** Records in the log past the reader's cursor. */
  private unread = 0;
  private readonly inFlightBatches = new InFlightBatches();
  private acknowledgementOrder = new AcknowledgementOrder([]);
  private watcher?: { threshold: number; listener: () => void };
  private released = false;

  constructor(
    private readonly queues: TopicQueues,
    private readonly options: ResolvedDiskBuffer,
  ) {
    this.dir = new LogDirectory(options.path);
    this.ledger = new LogLedger(options.path, this.logger);
    this.logReader = new LogReader(this.dir, this.segments, queues, this.logger);
    this.writer = new LogWriter(
      this.dir,
      this.segments,
      options,
      queues,
      this.logger,
      () => this.isDrained(),
      (records) => this.appended(records),
      () => this.deleteBehind(),
    );
  }

  /** Where publishes wait to be written; the writer begins once start() opened the log. */
  get journal(): RecordJournal {
    return this.writer;
  }

  get waiting(): number {
    return this.unread + this.queues.size;
  }

  get inFlight(): number {
    return this.inFlightBatches.records;
  }

  report(): SourceReport {
    return {
      keptIn: `the disk buffer at ${this.dir.path}`,
      reachable: true,
      log: {
        bytes: this.writer.bytes,
        corrupt: this.torn + this.logReader.corrupt + this.ledger.damaged,
        failedWrites: this.writer.failedWrites + this.ledger.failedWrites,
      },
    };
  }

  /** One process replays the log in order: a crashed copy's ids are skipped once. */
  replayGuard(_sink: string, copy: string): ReplayGuard {
    return new SkipFileGuard(copy, () => this.ledger.kept());
  }

  /** Opens the log: recovers its segments, and puts each sink, and the reader, at its position. */
  async start(sinks: readonly string[]): Promise<void> {
    const stale = await this.dir.open();
    if (stale) this.logger.warn(logMessages.staleLockTakenOver(this.dir.lockPath, stale.pid));
    try {
      await this.openLog(sinks);
    } catch (error) {
      // Free the directory: a second try in this process must not find its own lock.
      await this.dir.unlock();
      throw this.dir.openingError(error);
    }
  }

  /** Recovers the segments, and puts each sink, the reader and the writer at their positions. */
  private async openLog(sinks: readonly string[]): Promise<void> {
    this.torn = await recoverLog(this.dir, this.segments, this.logger);
    const first = { segment: this.segments.first ?? 1, offset: logFormat.headerBytes };
    const last = this.segments.last;
    const end = last === undefined ? first : { segment: last, offset: this.segments.sizeOf(last)! };
    this.ledger.load(sinks, first, end);
    this.acknowledgementOrder = new AcknowledgementOrder(sinks);
    this.logReader.cursor = this.ledger.earliest() ?? first;
    this.unread = await countRecords(this.dir, this.segments, this.logReader.cursor);
    const bytes = this.segments.bytes;
    if (last !== undefined && this.segments.isCurrentFormat(last)) {
      await this.writer.open(last, this.segments.sizeOf(last)!, bytes);
    } else {
      // New records go to a segment of their own format, after any older one.
      const next = (last ?? 0) + 1;
      this.segments.resize(next, logFormat.headerBytes);
      await this.writer.open(next, 0, bytes);
    }
    if (this.unread > 0) this.logger.log(logMessages.bufferReplay(this.dir.path, this.unread));
  }

  watch(threshold: number, listener: () => void): void {
    this.watcher = { threshold, listener };
    // A full log leaves publishes in the queues in front of it: once one fills, read.
    this.queues.watchBacklog(threshold, listener);
  }

  reader(maxBatchSize: number): BatchReader {
    let end: LogPosition | undefined;
    return {
      next: async () => {
        if (!end) {
          // What was published before this pass is read by it.
          await this.writer.flush();
          end = this.writer.end;
        }
        const batch = await this.read(maxBatchSize, end);
        // Every acknowledgement so far is on disk before a sink gets its next batch, or hears there is none.
        await this.ledger.saved();
        if (!batch) return undefined;
        this.inFlightBatches.add(batch, this.ledger.sinks);
        this.acknowledgementOrder.handOut(batch, batch.end);
        return batch;
      },
    };
  }

  acknowledge(sink: string, batch: SourceBatch): void {
    const upTo = this.acknowledgementOrder.acknowledge(sink, batch);
    if (!this.released && upTo && this.ledger.advance(sink, upTo)) {
      this.ledger.save();
      this.deleteBehind();
      if (this.isDrained()) this.writer.caughtUp();
    }
    this.inFlightBatches.acknowledge(batch);
  }

  close(): void {
    this.queues.close();
  }

  /** Writes what the queues still hold, makes the log durable, and frees the directory. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    try {
      await this.writer.close();
      await this.logReader.close();
      this.ledger.save();
      await this.ledger.saved();
      if (this.options.sync !== 'none') await this.dir.sync();
    } finally {
      await this.dir.unlock();
    }
  }

  private appended(records: number): void {
    this.unread += records;
    // A write went through: a ledger the full disk refused may fit again.
    this.ledger.saveIfBehind();
    if (this.watcher && this.unread >= this.watcher.threshold) this.watcher.listener();
  }

  /** Whether every sink has everything written; with no sinks, nothing is ever read. */
  private isDrained(): boolean {
    const behind = this.ledger.earliest();
    return (
      behind !== undefined &&
      comparePositions(this.segments.normalize(behind), this.writer.end) >= 0
    );
  }

  /** Up to `max` records from the reader's cursor, not past `end`, with what each sink still needs. */
  private async read(max: number, end: LogPosition): Promise<LogBatch | undefined> {
    const read = await this.logReader.read(max, end);
    if (comparePositions(this.logReader.cursor, this.writer.end) >= 0) this.unread = 0;
    if (!read) return undefined;
    this.unread = Math.max(0, this.unread - read.records.length);
    const forSink = this.ledger.owed(read.records, read.offsets);
    return { records: read.records, end: read.end, ...(forSink.size > 0 ? { forSink } : {}) };
  }

  /** Deletes the segments every sink, and the reader, are past: at an acknowledgement, and when the writer moves on. */
  private deleteBehind(): void {
    const behind = this.ledger.earliest();
    const keep = earliest(
      [this.logReader.cursor, this.writer.end, ...(behind ? [behind] : [])].map((position) =>
        this.segments.normalize(position),
      ),
    )!.segment;
    const dropped = this.segments.dropBefore(keep);
    // A deleted segment's space is freed only once no file handle holds it.
    if (dropped.length > 0) void this.logReader.closeBefore(keep);
    for (const { segment, bytes } of dropped) {
      this.dir.remove(segment).then(
        () => {
          this.writer.freed(bytes);
          this.ledger.saveIfBehind();
        },
        (error: unknown) =>
          this.logger.error(
            logMessages.bufferDeleteFailed(this.dir.segmentPath(segment), describeError(error)),
          ),
      );
    }
  }
}
