import { crc32 } from 'node:zlib';
import type { MetadataRecord } from '../../../engine/metadata.interface.js';
import { decodeRecord } from '../../../engine/record-codec.js';

/**
 * The disk buffer's on-disk format. A segment starts with a header (magic and
 * format version), then holds frames: `[length u32][crc32 u32][payload]`, the
 * CRC over the payload, the payload a record as JSON.
 */
export const logFormat = {
  magic: Buffer.from('MQLG'),
  version: 1,
  headerBytes: 8,
  frameHeaderBytes: 8,
  /** No record comes near this (data is at most 4 MiB as JSON): a longer length is corruption. */
  maxPayloadBytes: 32 * 1024 * 1024,
} as const;

export function segmentHeader(): Buffer {
  const header = Buffer.alloc(logFormat.headerBytes);
  logFormat.magic.copy(header, 0);
  header.writeUInt32LE(logFormat.version, 4);
  return header;
}

/** The version a segment header declares, or `undefined` when it is not a segment's header. */
export function headerVersion(header: Buffer): number | undefined {
  if (header.length < logFormat.headerBytes) return undefined;
  if (!header.subarray(0, 4).equals(logFormat.magic)) return undefined;
  return header.readUInt32LE(4);
}

/** The most bytes the frame of `payload` can take: UTF-8 has at most three bytes per UTF-16 unit. */
export function maxFrameBytes(payload: string): number {
  return logFormat.frameHeaderBytes + payload.length * 3;
}

/** Frames `payload` into `buffer` at `at`, which has room for it; returns the frame's length. */
export function writeFrame(payload: string, buffer: Buffer, at: number): number {
  const length = buffer.write(payload, at + logFormat.frameHeaderBytes);
  buffer.writeUInt32LE(length, at);
  // crc32 of a string is over its UTF-8 bytes: the payload just written.
  buffer.writeUInt32LE(crc32(payload), at + 4);
  return logFormat.frameHeaderBytes + length;
}

/** A frame read back: its record, or `undefined` where the bytes at `offset` are not a whole frame. */
export type FrameRead =
  | { kind: 'record'; record: MetadataRecord; bytes: number }
  | { kind: 'short' }
  | { kind: 'corrupt' };

/** Reads the frame at `offset` of `chunk`; `short` when the chunk ends inside a frame that may be whole. */
export function readFrame(chunk: Buffer, offset: number): FrameRead {
  const left = chunk.length - offset;
  if (left < logFormat.frameHeaderBytes) return { kind: 'short' };
  const length = chunk.readUInt32LE(offset);
  if (length === 0 || length > logFormat.maxPayloadBytes) return { kind: 'corrupt' };
  if (left < logFormat.frameHeaderBytes + length) return { kind: 'short' };
  const start = offset + logFormat.frameHeaderBytes;
  const body = chunk.subarray(start, start + length);
  if (crc32(body) !== chunk.readUInt32LE(offset + 4)) return { kind: 'corrupt' };
  const record = decodePayload(body);
  if (!record) return { kind: 'corrupt' };
  return { kind: 'record', record, bytes: logFormat.frameHeaderBytes + length };
}

function decodePayload(body: Buffer): MetadataRecord | undefined {
  try {
    return decodeRecord(body.toString());
  } catch {
    return undefined;
  }
}

/** The offset of the next whole frame at or after `from` in `chunk`, if any: past corruption. */
export function nextWholeFrame(chunk: Buffer, from: number): number | undefined {
  for (let offset = from; offset + logFormat.frameHeaderBytes <= chunk.length; offset++) {
    if (readFrame(chunk, offset).kind === 'record') return offset;
  }
  return undefined;
}
