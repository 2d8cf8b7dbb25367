import { crc32 } from 'node:zlib';
import type { MetadataRecord } from '../../../engine/metadata.interface.js';
import { decodeRecord, encodeRecord } from '../../../engine/record-codec.js';

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

export function encodeFrame(record: MetadataRecord): Buffer {
  const text = encodeRecord(record);
  const frame = Buffer.allocUnsafe(logFormat.frameHeaderBytes + Buffer.byteLength(text));
  const length = frame.write(text, logFormat.frameHeaderBytes);
  frame.writeUInt32LE(length, 0);
  frame.writeUInt32LE(crc32(frame.subarray(logFormat.frameHeaderBytes)), 4);
  return frame;
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
