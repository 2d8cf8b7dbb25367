import type { MetadataRecord } from '../../record/metadata.interface.js';
import { decodeRecord, recordOf } from '../record-codec.js';
import { crc32 } from './crc32.js';

/**
 * The disk buffer's on-disk format. A segment starts with a header (magic and
 * format version), then holds frames: `[length u32][crc32 u32][payload]`, the
 * CRC over the payload. In format 2 the payload is a record's fields joined
 * by NUL (see `encodePayload`); in format 1, still read, a JSON tuple.
 */
export const logFormat = {
  magic: Buffer.from('MQLG'),
  /** The format written. */
  version: 2,
  /** The formats read: a log left by an earlier version replays, then new segments follow. */
  readableVersions: [1, 2] as readonly number[],
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

/**
 * A record's fields joined by NUL, in `RecordTuple`'s order, the time as
 * milliseconds. No field holds a NUL (ids are UUIDs, topics and labels are
 * checked for it, JSON escapes it), and joining strings costs a third of
 * JSON-encoding them, on every publish.
 */
export function encodePayload(record: MetadataRecord): string {
  const { id, topic, name, location, context, json, publishedAt } = record;
  return `${id}\0${topic}\0${name}\0${location}\0${context}\0${json}\0${publishedAt.getTime()}`;
}

/** The most bytes the frame of `payload` can take: UTF-8 has at most three bytes per UTF-16 unit. */
export function maxFrameBytes(payload: string): number {
  return logFormat.frameHeaderBytes + payload.length * 3;
}

/** Frames `payload` into `buffer` at `at`, which has room for it; returns the frame's length. */
export function writeFrame(payload: string, buffer: Buffer, at: number): number {
  const start = at + logFormat.frameHeaderBytes;
  const length = buffer.write(payload, start);
  buffer.writeUInt32LE(length, at);
  buffer.writeUInt32LE(crc32(buffer, start, start + length), at + 4);
  return logFormat.frameHeaderBytes + length;
}

/** Whether the bytes at an offset are a whole frame: its length when they are. */
export type FrameCheck = { kind: 'whole'; bytes: number } | { kind: 'short' } | { kind: 'corrupt' };

/** A frame read back: its record, or `undefined` where the bytes at `offset` are not a whole frame. */
export type FrameRead =
  | { kind: 'record'; record: MetadataRecord; bytes: number }
  | { kind: 'short' }
  | { kind: 'corrupt' };

/**
 * Checks the frame at `offset` of `chunk`, from a segment in format
 * `version`, without decoding its record: its length, its record id and its
 * CRC. `short` when the chunk ends inside a frame that may be whole.
 */
export function checkFrame(chunk: Buffer, offset: number, version: number): FrameCheck {
  const left = chunk.length - offset;
  if (left < logFormat.frameHeaderBytes) return { kind: 'short' };
  const length = chunk.readUInt32LE(offset);
  if (length === 0 || length > logFormat.maxPayloadBytes) return { kind: 'corrupt' };
  if (left < logFormat.frameHeaderBytes + length) return { kind: 'short' };
  const start = offset + logFormat.frameHeaderBytes;
  if (!startsWithId(chunk, start, length, version)) return { kind: 'corrupt' };
  if (crc32(chunk, start, start + length) !== chunk.readUInt32LE(offset + 4)) {
    return { kind: 'corrupt' };
  }
  return { kind: 'whole', bytes: logFormat.frameHeaderBytes + length };
}

/** Reads the frame at `offset` of `chunk` (see `checkFrame`), and decodes its record. */
export function readFrame(chunk: Buffer, offset: number, version: number): FrameRead {
  const frame = checkFrame(chunk, offset, version);
  if (frame.kind !== 'whole') return frame;
  const start = offset + logFormat.frameHeaderBytes;
  const record = decodePayload(chunk, start, offset + frame.bytes, version);
  if (!record) return { kind: 'corrupt' };
  return { kind: 'record', record, bytes: frame.bytes };
}

/** The bytes `opensFrame` looks at: a frame's header and its record id. */
export function frameOpeningBytes(version: number): number {
  return logFormat.frameHeaderBytes + idAt[version] + recordIdLength + 1;
}

/**
 * Whether the bytes at `offset` may open a whole frame of at most `room`
 * bytes: a length that fits, and a payload that opens with a record id. It
 * reads `frameOpeningBytes(version)` bytes and no CRC, so a scan through
 * garbage costs the same for every byte, and a frame it finds is then checked.
 */
export function opensFrame(chunk: Buffer, offset: number, version: number, room: number): boolean {
  const length = chunk.readUInt32LE(offset);
  if (length === 0 || logFormat.frameHeaderBytes + length > room) return false;
  return startsWithId(chunk, offset + logFormat.frameHeaderBytes, length, version);
}

/** A record id's length (a UUID's text): every payload holds one, where `idAt` says. */
const recordIdLength = 36;
/** Where a payload's record id (a UUID) starts, by format: format 1 opens with `["`. */
const idAt = { 1: 2, 2: 0 } as Record<number, number>;
/** The byte after the id: NUL in format 2, the closing quote in format 1. */
const afterId = { 1: 0x22, 2: 0x00 } as Record<number, number>;
const uuidDashes = [8, 13, 18, 23];

/**
 * Whether the payload at `start` opens with a record id, as every record's
 * does: a cheap look that rejects almost every false frame in garbage before
 * its CRC is computed, so scanning damage stays linear in its length.
 */
function startsWithId(chunk: Buffer, start: number, length: number, version: number): boolean {
  const id = start + idAt[version];
  if (length < idAt[version] + recordIdLength + 1) return false;
  return (
    chunk[id + recordIdLength] === afterId[version] &&
    uuidDashes.every((d) => chunk[id + d] === 0x2d)
  );
}

function decodePayload(
  chunk: Buffer,
  start: number,
  end: number,
  version: number,
): MetadataRecord | undefined {
  try {
    return version === 1
      ? decodeRecord(chunk.toString('utf8', start, end))
      : decodeFields(chunk, start, end);
  } catch {
    return undefined;
  }
}

/** The inverse of `encodePayload`, of the payload at `start..end` of `chunk`; throws on JSON that does not parse. */
function decodeFields(chunk: Buffer, start: number, end: number): MetadataRecord | undefined {
  const fields = chunk.toString('utf8', start, end).split('\0');
  if (fields.length !== 7) return undefined;
  const [, topic, name, location, context, json, time] = fields;
  const publishedAt = Number(time);
  if (!Number.isFinite(publishedAt)) return undefined;
  // Read apart, not split off: a slice of the payload kept every record's whole payload alive.
  const id = chunk.toString('latin1', start, start + recordIdLength);
  return recordOf([id, topic, name, location, context, json, publishedAt]);
}
