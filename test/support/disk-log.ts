import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MetadataRecord } from '../../src/lib/index.js';
import {
  encodePayload,
  maxFrameBytes,
  segmentHeader,
  writeFrame,
} from '../../src/lib/buffer/disk/log-format.js';

/** A fresh temporary directory for a disk log. */
export const logDir = () => mkdtempSync(join(tmpdir(), 'metaqueue-disk-log-'));

/** The paths of the segments in the log directory `dir`, oldest first. */
export const segmentsIn = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.seg'))
    .sort()
    .map((f) => join(dir, f));

/** The name the disk log gives segment `segment`. */
export const segmentFile = (dir: string, segment: number) =>
  join(dir, `${String(segment).padStart(16, '0')}.seg`);

/** The frame of `record` in the format written now. */
export function frameOf(record: MetadataRecord): Buffer {
  const payload = encodePayload(record);
  const buffer = Buffer.alloc(maxFrameBytes(payload));
  return buffer.subarray(0, writeFrame(payload, buffer, 0));
}

/**
 * Writes segment `segment` of the log in `dir`: a header, then `frames`.
 * Returns each frame's offset and the segment's size.
 */
export function writeSegment(
  dir: string,
  segment: number,
  frames: Buffer[],
  header: Buffer = segmentHeader(),
): { offsets: number[]; size: number } {
  const offsets: number[] = [];
  let at = header.length;
  for (const frame of frames) {
    offsets.push(at);
    at += frame.length;
  }
  writeFileSync(segmentFile(dir, segment), Buffer.concat([header, ...frames]));
  return { offsets, size: at };
}

/** A frame found in a segment's bytes: its record's id, and where it starts and ends. */
export interface FrameAt {
  id: string;
  start: number;
  end: number;
}

/** The whole frames of a segment in format 2, in order, up to the first whose length runs past its end. */
export function framesIn(segment: Buffer): FrameAt[] {
  const frames = [];
  for (let at = 8; at + 8 <= segment.length;) {
    const end = at + 8 + segment.readUInt32LE(at);
    if (end > segment.length) break;
    // Format 2: the record's fields joined by NUL, its id first.
    const [id] = segment
      .subarray(at + 8, end)
      .toString()
      .split('\0');
    frames.push({ id, start: at, end });
    at = end;
  }
  return frames;
}

/** The ids of a segment's records, in order; throws if it ends inside a frame (a torn one left in it). */
export function idsInSegment(segment: Buffer): string[] {
  const frames = framesIn(segment);
  const end = frames.at(-1)?.end ?? segmentHeader().length;
  if (end !== segment.length) throw new Error(`a torn frame at byte ${end}`);
  return frames.map((frame) => frame.id);
}
