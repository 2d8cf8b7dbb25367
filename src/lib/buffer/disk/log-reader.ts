import type { LoggerService } from '@nestjs/common';
import { open, type FileHandle } from 'node:fs/promises';
import { logMessages } from '../../metaqueue.messages.js';
import type { MetadataRecord } from '../../record/metadata.interface.js';
import type { TopicQueues } from '../topic-queues.js';
import { segmentChunkBytes, type LogDirectory } from './log-directory.js';
import { logFormat, readFrame } from './log-format.js';
import { comparePositions, type LogPosition } from './log-position.js';
import type { LogSegments } from './log-segments.js';
import { SegmentScanner } from './segment-scanner.js';

/** Records read from the log: each one's position, and the position just past the last. */
export interface LogRead {
  readonly records: MetadataRecord[];
  readonly offsets: LogPosition[];
  readonly end: LogPosition;
}

/**
 * Reads the log in order from a cursor, one chunk of a segment at a time. A
 * corrupt frame is counted, logged with its segment and offset, and skipped
 * to the next whole frame; a record of a topic the app no longer declares is
 * read all the same, with a warning once per topic.
 */
export class LogReader {
  /** Corrupt frames skipped. */
  corrupt = 0;
  /** Where the next read starts. */
  cursor: LogPosition = { segment: 0, offset: logFormat.headerBytes };
  private readonly unknownTopics = new Set<string>();
  private reading?: { segment: number; file: FileHandle };

  constructor(
    private readonly dir: LogDirectory,
    private readonly segments: LogSegments,
    private readonly queues: TopicQueues,
    private readonly logger: LoggerService,
  ) {}

  /** Up to `max` records from the cursor, not past `end`; `undefined` when there are none. */
  async read(max: number, end: LogPosition): Promise<LogRead | undefined> {
    const records: MetadataRecord[] = [];
    const offsets: LogPosition[] = [];
    while (records.length < max && comparePositions(this.cursor, end) < 0) {
      const { segment, offset } = this.cursor;
      const limit = segment === end.segment ? end.offset : this.segments.sizeOf(segment);
      if (limit === undefined || offset >= limit) {
        const next = this.segments.after(segment) ?? end.segment;
        this.cursor = { segment: next, offset: logFormat.headerBytes };
        continue;
      }
      const file = await this.segmentFile(segment);
      const chunk = Buffer.allocUnsafe(Math.min(segmentChunkBytes, limit - offset));
      const { bytesRead } = await file.read(chunk, 0, chunk.length, offset);
      const bytes = chunk.subarray(0, bytesRead);
      let at = 0;
      const version = this.segments.formatOf(segment);
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
      // A frame the chunk cuts is read in the next; one longer than a chunk is read on its own,
      // and one that is not whole is corrupt.
      if (frame.kind === 'short' && at > 0) continue;
      const scanner = new SegmentScanner(file, limit, version);
      const whole = await scanner.readAt(this.cursor.offset);
      if (whole.kind === 'record') {
        offsets.push(this.cursor);
        records.push(whole.record);
        this.noteTopic(whole.record.topic);
        this.cursor = { segment, offset: this.cursor.offset + whole.bytes };
      } else {
        await this.skipCorrupt(scanner, limit);
      }
    }
    return records.length > 0 ? { records, offsets, end: this.cursor } : undefined;
  }

  /** Closes the segment held open if it is before `segment`: a deleted file's space is freed only once closed. */
  async closeBefore(segment: number): Promise<void> {
    if (!this.reading || this.reading.segment >= segment) return;
    const { file } = this.reading;
    this.reading = undefined;
    await file.close();
  }

  async close(): Promise<void> {
    await this.reading?.file.close();
    this.reading = undefined;
  }

  /** Counts and logs the corrupt frame at the cursor; moves to the next whole frame before `limit`. */
  private async skipCorrupt(scanner: SegmentScanner, limit: number): Promise<void> {
    const { segment, offset } = this.cursor;
    this.corrupt++;
    this.logger.error(logMessages.bufferCorrupt(this.dir.segmentPath(segment), offset));
    this.cursor = { segment, offset: (await scanner.nextWholeFrame(offset + 1)) ?? limit };
  }

  private noteTopic(topic: string): void {
    if (this.unknownTopics.has(topic) || this.queues.topics.includes(topic)) return;
    this.unknownTopics.add(topic);
    this.logger.warn(logMessages.bufferUnknownTopic(topic));
  }

  private async segmentFile(segment: number): Promise<FileHandle> {
    if (this.reading?.segment === segment) return this.reading.file;
    await this.reading?.file.close();
    this.reading = { segment, file: await open(this.dir.segmentPath(segment), 'r') };
    return this.reading.file;
  }
}
