import { mkdtempSync, writeFileSync } from 'node:fs';
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
