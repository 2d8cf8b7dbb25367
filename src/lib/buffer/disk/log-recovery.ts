import type { LoggerService } from '@nestjs/common';
import { open, stat, truncate, writeFile } from 'node:fs/promises';
import { MetaqueueConfigError } from '../../errors/metaqueue.errors.js';
import { errorMessages, logMessages } from '../../metaqueue.messages.js';
import { segmentChunkBytes, type LogDirectory } from './log-directory.js';
import { headerVersion, logFormat, segmentHeader } from './log-format.js';
import type { LogPosition } from './log-position.js';
import type { LogSegments } from './log-segments.js';
import { SegmentScanner } from './segment-scanner.js';

/**
 * Startup: enters the log's segments in `segments`, checking each header
 * (refusing a file that is not a segment, or a format this version does not
 * read), then cuts a torn end off the last one. Returns the records cut, 0 or 1.
 */
export async function recoverLog(
  dir: LogDirectory,
  segments: LogSegments,
  logger: LoggerService,
): Promise<number> {
  for (const segment of await dir.segments()) await readSegmentHeader(dir, segments, segment);
  const last = segments.last;
  return last === undefined ? 0 : cutTornEnd(dir, segments, last, logger);
}

/**
 * Records from `from` to the end of the log, walking frame lengths, and past
 * damage to the next whole frame: linear in the bytes read.
 */
export async function countRecords(
  dir: LogDirectory,
  segments: LogSegments,
  from: LogPosition,
): Promise<number> {
  let count = 0;
  const chunk = Buffer.allocUnsafe(segmentChunkBytes);
  for (const segment of segments.all()) {
    if (segment < from.segment) continue;
    const size = segments.sizeOf(segment)!;
    const file = await open(dir.segmentPath(segment), 'r');
    try {
      let at = segment === from.segment ? from.offset : logFormat.headerBytes;
      let chunkAt = at;
      let bytesRead = 0;
      let scanner: SegmentScanner | undefined;
      while (at + logFormat.frameHeaderBytes <= size) {
        if (at + logFormat.frameHeaderBytes > chunkAt + bytesRead) {
          chunkAt = at;
          ({ bytesRead } = await file.read(chunk, 0, chunk.length, at));
        }
        const length = chunk.readUInt32LE(at - chunkAt);
        if (length > 0 && at + logFormat.frameHeaderBytes + length <= size) {
          at += logFormat.frameHeaderBytes + length;
          count++;
          continue;
        }
        // Damage: the records after it are read too, once the reader has skipped it.
        scanner ??= new SegmentScanner(file, size, segments.formatOf(segment));
        const next = await scanner.nextWholeFrame(at + 1);
        if (next === undefined) break;
        at = next;
      }
    } finally {
      await file.close();
    }
  }
  return count;
}

/**
 * Enters `segment` in `segments` with its size and format, reading its
 * header only; throws a config error for a file that is not a segment, or
 * in a format this version does not read.
 */
export async function readSegmentHeader(
  dir: LogDirectory,
  segments: LogSegments,
  segment: number,
): Promise<void> {
  const path = dir.segmentPath(segment);
  const file = await open(path, 'r');
  try {
    const header = Buffer.alloc(logFormat.headerBytes);
    const { bytesRead } = await file.read(header, 0, header.length, 0);
    segments.resize(segment, (await file.stat()).size);
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
    segments.setFormat(segment, version);
  } finally {
    await file.close();
  }
}

/**
 * Where the torn end of a segment of `size` bytes starts, read only: the end
 * of its last whole frame, when a crash left it ending inside a frame with
 * nothing whole after it; 0 when it is shorter than its header (torn as it
 * was created). `undefined` when it ends whole, or when whole frames follow
 * its damage: that damage is the reader's to skip, not a torn end.
 */
export async function findTornEnd(
  path: string,
  size: number,
  version: number,
): Promise<number | undefined> {
  if (size < logFormat.headerBytes) return 0;
  const file = await open(path, 'r');
  try {
    const scanner = new SegmentScanner(file, size, version);
    const whole = await scanner.endOfWholeFrames(logFormat.headerBytes);
    if (whole === size) return undefined;
    return (await scanner.nextWholeFrame(whole + 1)) === undefined ? whole : undefined;
  } finally {
    await file.close();
  }
}

/**
 * A crash can leave the last segment ending inside a frame (or its header):
 * cuts it at the last whole frame; returns the records cut, 0 or 1.
 */
async function cutTornEnd(
  dir: LogDirectory,
  segments: LogSegments,
  segment: number,
  logger: LoggerService,
): Promise<number> {
  const path = dir.segmentPath(segment);
  const size = (await stat(path)).size;
  const whole = await findTornEnd(path, size, segments.formatOf(segment));
  if (whole === undefined) return 0;
  if (size < logFormat.headerBytes) {
    // Torn as it was created: it holds no record.
    await writeFile(path, segmentHeader());
    segments.resize(segment, logFormat.headerBytes);
    return 0;
  }
  await truncate(path, whole);
  segments.resize(segment, whole);
  logger.warn(logMessages.bufferTornEnd(path, whole, size - whole));
  return 1;
}
