import { Logger } from '@nestjs/common';
import { open, stat, truncate, writeFile, type FileHandle } from 'node:fs/promises';
import type { MetadataRecord } from '../../record/metadata.interface.js';
import { MetaqueueConfigError } from '../../errors/metaqueue.errors.js';
import { errorMessages, logMessages } from '../../metaqueue.messages.js';
import { describeError } from '../../errors/describe-error.util.js';
import type { BatchReader, RecordSource, SourceBatch } from '../record-source.interface.js';
import type { RecordJournal } from '../record-journal.interface.js';
import type { ReplayGuard } from '../replay-guard.interface.js';
import { SkipFileGuard } from '../skip-file-guard.js';
import type { SourceReport } from '../source-report.interface.js';
import type { TopicQueues } from '../topic-queues.js';
import type { ResolvedDiskBuffer } from './disk-buffer-options.js';
import { InFlightBatches } from '../in-flight-batches.js';
import { LogDirectory } from './log-directory.js';
import {
  headerVersion,
  logFormat,
  nextWholeFrame,
  readFrame,
  segmentHeader,
} from './log-format.js';
import { comparePositions, earliest, type LogPosition } from './log-position.js';
import { LogWriter } from './log-writer.js';

/** A batch read from the log, and the position just past it. */
interface LogBatch extends SourceBatch {
  readonly end: LogPosition;
}

/** Bytes read from a segment at once. */
const chunkBytes = 1 << 20;

/**
 * The disk buffer: a write-ahead log in segments, with one acknowledged
 * position per sink in a ledger. A publish resolves once its record is in the
 * log; the broker reads batches from the log, and a segment is deleted once
 * every sink is past it. At startup each sink replays from its position. Only
 * the batches in flight are in memory, however long the log.
 */
export class DiskRecordSource implements RecordSource {
  private corrupt = 0;
  private readonly logger = new Logger('DiskBuffer');
  private readonly dir: LogDirectory;
  private readonly writer: LogWriter;
  private readonly positions = new Map<string, LogPosition>();
  private cursor: LogPosition = { segment: 0, offset: logFormat.headerBytes };
  /** Records in the log past the cursor. */
  private unread = 0;
  private readonly inFlightBatches = new InFlightBatches();
  private segments: number[] = [];
  private readonly segmentBytes = new Map<number, number>();
  /** Segments left in an earlier format; the rest are in `logFormat.version`. */
  private readonly olderFormats = new Map<number, number>();
  private readonly unknownTopics = new Set<string>();
  private reading?: { segment: number; file: FileHandle };
  private watcher?: { threshold: number; listener: () => void };
  private released = false;

  constructor(
    private readonly queues: TopicQueues,
    private readonly options: ResolvedDiskBuffer,
  ) {
    this.dir = new LogDirectory(options.path);
    this.writer = new LogWriter(
      this.dir,
      options,
      queues,
      this.logger,
      () => this.isDrained(),
      (records) => this.appended(records),
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
        corrupt: this.corrupt,
        failedWrites: this.writer.failedWrites,
      },
    };
  }

  /** One process replays the log in order: a crashed copy's ids are skipped once. */
  replayGuard(_sink: string, copy: string): ReplayGuard {
    return new SkipFileGuard(copy);
  }

  /** Opens the log: checks its segments, cuts a torn end, and puts each sink at its position. */
  async start(sinks: readonly string[]): Promise<void> {
    await this.dir.open();
    this.segments = await this.dir.segments();
    for (const segment of this.segments) await this.checkHeader(segment);
    const last = this.segments.at(-1);
    if (last !== undefined) await this.cutTornEnd(last);
    const ledger = this.dir.readLedger();
    const first = { segment: this.segments[0] ?? 1, offset: logFormat.headerBytes };
    for (const sink of sinks) {
      const known = ledger.get(sink);
      this.positions.set(sink, known && comparePositions(known, first) > 0 ? known : first);
    }
    this.cursor = earliest(this.positions.values()) ?? first;
    this.unread = await this.countFrom(this.cursor);
    let bytes = 0;
    for (const segment of this.segments) bytes += this.segmentBytes.get(segment)!;
    if (last !== undefined && !this.olderFormats.has(last)) {
      await this.writer.open(last, this.segmentBytes.get(last)!, bytes);
    } else {
      // New records go to a segment of their own format, after any older one.
      const next = (last ?? 0) + 1;
      this.segments.push(next);
      this.segmentBytes.set(next, logFormat.headerBytes);
      await this.writer.open(next, 0, bytes);
    }
    if (this.unread > 0) this.logger.log(logMessages.bufferReplay(this.dir.path, this.unread));
  }

  watch(threshold: number, listener: () => void): void {
    this.watcher = { threshold, listener };
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
        if (!batch) return undefined;
        this.inFlightBatches.add(batch, this.positions.size);
        return batch;
      },
    };
  }

  acknowledge(sink: string, batch: SourceBatch): void {
    const { end } = batch as LogBatch;
    const position = this.positions.get(sink);
    if (position && comparePositions(end, position) > 0 && !this.released) {
      this.positions.set(sink, end);
      try {
        this.dir.writeLedger(this.positions);
      } catch (error) {
        // The next acknowledgement writes it again; until then a restart replays more, never less.
        this.logger.error(logMessages.bufferWriteFailed(this.dir.path, describeError(error)));
      }
      this.deleteBehind();
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
    await this.writer.close();
    await this.reading?.file.close();
    this.reading = undefined;
    if (this.positions.size > 0) this.dir.writeLedger(this.positions);
    if (this.options.sync !== 'none') await this.dir.sync();
    await this.dir.unlock();
  }

  private appended(records: number): void {
    this.unread += records;
    this.segmentBytes.set(this.writer.end.segment, this.writer.end.offset);
    if (this.segments.at(-1) !== this.writer.end.segment)
      this.segments.push(this.writer.end.segment);
    if (this.watcher && this.unread >= this.watcher.threshold) this.watcher.listener();
  }

  /** Whether every sink has everything written; with no sinks, nothing is ever read. */
  private isDrained(): boolean {
    const behind = earliest(this.positions.values());
    return behind !== undefined && comparePositions(behind, this.writer.end) >= 0;
  }

  /** Deletes the segments every sink, and the reader, are past. */
  private deleteBehind(): void {
    const keep = earliest([...this.positions.values(), this.cursor, this.writer.end])!.segment;
    while (this.segments.length > 1 && this.segments[0] < keep) {
      const segment = this.segments.shift()!;
      const bytes = this.segmentBytes.get(segment) ?? 0;
      this.segmentBytes.delete(segment);
      this.dir.remove(segment).then(
        () => this.writer.freed(bytes),
        (error: unknown) =>
          this.logger.error(logMessages.bufferWriteFailed(this.dir.path, describeError(error))),
      );
    }
  }

  /** Up to `max` records from the cursor, not past `end`. */
  private async read(max: number, end: LogPosition): Promise<LogBatch | undefined> {
    const records: MetadataRecord[] = [];
    const offsets: LogPosition[] = [];
    while (records.length < max && comparePositions(this.cursor, end) < 0) {
      const { segment, offset } = this.cursor;
      const limit = segment === end.segment ? end.offset : this.segmentBytes.get(segment);
      if (limit === undefined || offset >= limit) {
        this.cursor = { segment: this.nextSegment(segment, end), offset: logFormat.headerBytes };
        continue;
      }
      const file = await this.segmentFile(segment);
      const chunk = Buffer.allocUnsafe(Math.min(chunkBytes, limit - offset));
      const { bytesRead } = await file.read(chunk, 0, chunk.length, offset);
      const bytes = chunk.subarray(0, bytesRead);
      let at = 0;
      const version = this.formatOf(segment);
      let frame = readFrame(bytes, at, version);
      while (records.length < max && frame.kind === 'record') {
        offsets.push({ segment, offset: offset + at });
        records.push(frame.record);
        this.noteTopic(frame.record.topic);
        at += frame.bytes;
        frame = readFrame(bytes, at, version);
      }
      this.cursor = { segment, offset: offset + at };
      if (records.length === max || frame.kind === 'record') break;
      // A frame longer than the chunk is read whole; one that is not whole is corrupt.
      if (frame.kind === 'short' && at > 0) continue;
      const rest = Buffer.allocUnsafe(limit - offset - at);
      await file.read(rest, 0, rest.length, offset + at);
      const whole = readFrame(rest, 0, version);
      if (whole.kind === 'record') {
        offsets.push(this.cursor);
        records.push(whole.record);
        this.noteTopic(whole.record.topic);
        this.cursor = { segment, offset: this.cursor.offset + whole.bytes };
      } else {
        this.skipCorrupt(rest);
      }
    }
    if (comparePositions(this.cursor, this.writer.end) >= 0) this.unread = 0;
    if (records.length === 0) return undefined;
    this.unread = Math.max(0, this.unread - records.length);
    return { records, end: this.cursor, ...this.owed(records, offsets) };
  }

  /** Counts and logs the corrupt frame at the cursor (`rest` is the segment from there); moves past it. */
  private skipCorrupt(rest: Buffer): void {
    const { segment, offset } = this.cursor;
    this.corrupt++;
    this.logger.error(logMessages.bufferCorrupt(this.dir.segmentPath(segment), offset));
    const next = nextWholeFrame(rest, 1, this.formatOf(segment));
    this.cursor = { segment, offset: offset + (next ?? rest.length) };
  }

  /** For a replayed batch: the records each sink that had its first ones still needs. */
  private owed(records: MetadataRecord[], offsets: LogPosition[]): Pick<SourceBatch, 'forSink'> {
    const forSink = new Map<string, MetadataRecord[]>();
    for (const [sink, position] of this.positions) {
      if (comparePositions(position, offsets[0]) <= 0) continue;
      let had = 0;
      while (had < offsets.length && comparePositions(offsets[had], position) < 0) had++;
      forSink.set(sink, records.slice(had));
    }
    return forSink.size > 0 ? { forSink } : {};
  }

  private noteTopic(topic: string): void {
    if (this.unknownTopics.has(topic) || this.queues.topics.includes(topic)) return;
    this.unknownTopics.add(topic);
    this.logger.warn(logMessages.bufferUnknownTopic(topic));
  }

  private formatOf(segment: number): number {
    return this.olderFormats.get(segment) ?? logFormat.version;
  }

  private nextSegment(segment: number, end: LogPosition): number {
    return this.segments.find((s) => s > segment) ?? end.segment;
  }

  private async segmentFile(segment: number): Promise<FileHandle> {
    if (this.reading?.segment === segment) return this.reading.file;
    await this.reading?.file.close();
    this.reading = { segment, file: await open(this.dir.segmentPath(segment), 'r') };
    return this.reading.file;
  }

  private async checkHeader(segment: number): Promise<void> {
    const path = this.dir.segmentPath(segment);
    const file = await open(path, 'r');
    try {
      const header = Buffer.alloc(logFormat.headerBytes);
      const { bytesRead } = await file.read(header, 0, header.length, 0);
      this.segmentBytes.set(segment, (await file.stat()).size);
      const version = headerVersion(header.subarray(0, bytesRead));
      if (version === undefined && bytesRead < logFormat.headerBytes) return; // torn at creation
      if (version === undefined) {
        throw new MetaqueueConfigError(errorMessages.bufferNotALog(path));
      }
      if (!logFormat.readableVersions.includes(version)) {
        throw new MetaqueueConfigError(
          errorMessages.bufferVersion(path, version, logFormat.readableVersions),
        );
      }
      if (version !== logFormat.version) this.olderFormats.set(segment, version);
    } finally {
      await file.close();
    }
  }

  /**
   * A crash can leave the last segment ending inside a frame (or its header):
   * cut it at the last whole frame, and count the torn record.
   */
  private async cutTornEnd(segment: number): Promise<void> {
    const path = this.dir.segmentPath(segment);
    const size = (await stat(path)).size;
    if (size < logFormat.headerBytes) {
      // Torn as it was created: it holds no record.
      await writeFile(path, segmentHeader());
      this.segmentBytes.set(segment, logFormat.headerBytes);
      return;
    }
    const file = await open(path, 'r');
    let whole = logFormat.headerBytes;
    try {
      const bytes = Buffer.allocUnsafe(size);
      await file.read(bytes, 0, size, 0);
      for (;;) {
        const version = this.formatOf(segment);
        const frame = readFrame(bytes, whole, version);
        if (frame.kind === 'record') {
          whole += frame.bytes;
          continue;
        }
        if (whole === size) return;
        // Corruption followed by whole frames is the reader's to skip; only a torn end is cut.
        if (frame.kind === 'corrupt' && nextWholeFrame(bytes, whole + 1, version) !== undefined)
          return;
        break;
      }
    } finally {
      await file.close();
    }
    await truncate(path, whole);
    this.segmentBytes.set(segment, whole);
    this.corrupt++;
    this.logger.warn(logMessages.bufferTornEnd(path, whole, size - whole));
  }

  /** Records from `from` to the end of the log, walking frame lengths. */
  private async countFrom(from: LogPosition): Promise<number> {
    let count = 0;
    const chunk = Buffer.allocUnsafe(chunkBytes);
    for (const segment of this.segments) {
      if (segment < from.segment) continue;
      const size = this.segmentBytes.get(segment)!;
      const file = await open(this.dir.segmentPath(segment), 'r');
      try {
        let at = segment === from.segment ? from.offset : logFormat.headerBytes;
        let chunkAt = at;
        let bytesRead = 0;
        while (at + logFormat.frameHeaderBytes <= size) {
          if (at + logFormat.frameHeaderBytes > chunkAt + bytesRead) {
            chunkAt = at;
            ({ bytesRead } = await file.read(chunk, 0, chunk.length, at));
          }
          const length = chunk.readUInt32LE(at - chunkAt);
          if (length === 0 || at + logFormat.frameHeaderBytes + length > size) break;
          at += logFormat.frameHeaderBytes + length;
          count++;
        }
      } finally {
        await file.close();
      }
    }
    return count;
  }
}
