import { setImmediate as nextTurn } from 'node:timers/promises';
import type { MetadataRecord } from '../record/metadata.interface.js';
import { isStorableTime } from '../record/record-fields.js';
import { GrowingBytes } from '../utils/growing-bytes.mjs';

/** `metadata`'s COPY statement from `source`, in `format` (the store's is binary). */
export function copyMetadataFrom(source: 'STDIN' | "'/dev/blob'", format: 'text' | 'binary') {
  return `COPY "metadata" ("id", "topic", "name", "location", "context", "data", "published_at") FROM ${source} (FORMAT ${format})`;
}

export const copyMetadata = copyMetadataFrom('STDIN', 'binary');

/** PGlite's COPY reads the blob given with the query under this name. */
export const copyMetadataFromBlob = copyMetadataFrom("'/dev/blob'", 'binary');

/**
 * The records as COPY input in PostgreSQL's binary format, a few hundred
 * rows per chunk, a chunk per turn of the event loop: a big batch never
 * holds it for long. Binary, not text: the server takes each field as it is
 * (the id's 16 bytes, the time's microseconds) instead of parsing it, and
 * nothing is escaped, so both sides spend less a row (docs/benchmarks.md).
 *
 * A field this cannot write as its column's type (an id that is not a
 * UUID's 36 characters, a time PostgreSQL and an ISO string may not both
 * hold, a text that is no string) is sent one byte too long, which the server refuses (22P03): the
 * batch then takes the store's exact path, which stores or dead-letters each
 * record as its text says.
 */
export async function* copyRows(
  records: readonly MetadataRecord[],
  rowsPerChunk = 500,
): AsyncGenerator<Buffer<ArrayBuffer>> {
  const out = new CopyBytes();
  for (let start = 0; start < records.length; start += rowsPerChunk) {
    if (start > 0) await nextTurn();
    const end = Math.min(records.length, start + rowsPerChunk);
    out.start((end - start) * bytesPerRow);
    if (start === 0) out.bytes(signature);
    for (let i = start; i < end; i++) out.row(records[i]);
    if (end === records.length) out.end();
    yield out.written();
  }
  if (records.length === 0) {
    out.start(signature.length + 2);
    out.bytes(signature);
    out.end();
    yield out.written();
  }
}

/** The records as one COPY input for PGlite. */
export async function copyBytes(records: readonly MetadataRecord[]): Promise<Buffer> {
  const chunks: Buffer<ArrayBuffer>[] = [];
  for await (const chunk of copyRows(records)) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** The binary format's signature, then its flags and header extension (none of either). */
const signature = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);

/** Room a chunk starts with for each of its rows, so it seldom grows (each growth copies it). */
const bytesPerRow = 160;

/** `timestamptz` counts microseconds from 2000-01-01 UTC. */
const postgresEpochMs = Date.UTC(2000, 0, 1);

/** By character code: a hex digit's value, or -1. */
const hexValues = new Int8Array(128).fill(-1);
for (const [digits, from] of [
  ['0123456789', 0],
  ['abcdef', 10],
  ['ABCDEF', 10],
] as const) {
  for (let i = 0; i < digits.length; i++) hexValues[digits.charCodeAt(i)] = from + i;
}
const dash = '-'.charCodeAt(0);

/** What a row takes besides its texts: the field count, 7 lengths, the id, jsonb's version, the time, and a byte each for a refused id and time. */
const fixedBytesPerRow = 2 + 7 * 4 + 16 + 1 + 8 + 2;

/** One chunk's bytes as they are written: a row's fields, each its length and its bytes. */
class CopyBytes extends GrowingBytes {
  /** Starts a new chunk with room for `bytes`: the last one's buffer is the caller's now. */
  start(bytes: number): void {
    this.buffer = Buffer.allocUnsafeSlow(bytes);
    this.length = 0;
  }

  /** The end of the data: a field count of -1. */
  end(): void {
    this.reserve(2);
    this.buffer[this.length++] = 0xff;
    this.buffer[this.length++] = 0xff;
  }

  /** A row: room for all of it at once (UTF-8 takes at most 3 bytes a UTF-16 unit), then its 7 fields. */
  row(record: MetadataRecord): void {
    const { topic, name, location, context, json } = record;
    // A record handed to the store by hand may break its type: the exact path decides it.
    if (
      typeof topic !== 'string' ||
      typeof name !== 'string' ||
      typeof location !== 'string' ||
      typeof context !== 'string' ||
      typeof json !== 'string'
    ) {
      return this.refusedRow();
    }
    const texts = topic.length + name.length + location.length + context.length + json.length;
    this.fieldCount(fixedBytesPerRow + 3 * texts);
    this.uuid(record.id);
    this.utf8(topic, this.length + 4);
    this.utf8(name, this.length + 4);
    this.utf8(location, this.length + 4);
    this.utf8(context, this.length + 4);
    // jsonb: its version (1), then the JSON.
    this.buffer[this.length + 4] = 1;
    this.utf8(json, this.length + 5);
    this.timestamptz(record.publishedAt.getTime());
  }

  /** Starts a row with room for its `bytes`: its field count, 7. */
  private fieldCount(bytes: number): void {
    this.reserve(bytes);
    this.buffer[this.length] = 0;
    this.buffer[this.length + 1] = 7;
    this.length += 2;
  }

  /** `uuid`: its 16 bytes, from the 36 characters a UUID is written in (PostgreSQL takes either case). */
  private uuid(id: string): void {
    const { buffer } = this;
    let at = this.length + 4;
    let valid = id.length === 36;
    for (let i = 0; valid && i < 36; i++) {
      if (i === 8 || i === 13 || i === 18 || i === 23) {
        valid = id.charCodeAt(i) === dash;
        continue;
      }
      const high = hexValues[id.charCodeAt(i)] ?? -1;
      const low = hexValues[id.charCodeAt(++i)] ?? -1;
      valid = high >= 0 && low >= 0;
      buffer[at++] = (high << 4) | low;
    }
    if (!valid) return this.refused(16);
    this.int32(16, this.length);
    this.length = at;
  }

  /**
   * Writes `value` as UTF-8 from `at`, ASCII a character at a time (anything
   * else is encoded whole), and ends the field begun at `length` there.
   */
  private utf8(value: string, at: number): void {
    const { buffer } = this;
    const from = at;
    for (let i = 0; i < value.length; i++) {
      const code = value.charCodeAt(i);
      if (code > 127) {
        at = from + buffer.write(value, from);
        break;
      }
      buffer[at++] = code;
    }
    this.int32(at - this.length - 4, this.length);
    this.length = at;
  }

  /** `timestamptz`: microseconds since 2000 as a big-endian int64. */
  private timestamptz(ms: number): void {
    if (!isStorableTime(ms)) return this.refused(8);
    const at = this.length;
    this.int32(8, at);
    const microseconds = (ms - postgresEpochMs) * 1000;
    if (Number.isSafeInteger(microseconds)) {
      const high = Math.floor(microseconds / 2 ** 32);
      this.int32(high, at + 4);
      this.int32(microseconds - high * 2 ** 32, at + 8);
    } else {
      // Before 1715 or after 2285: past a double's exact integers.
      this.buffer.writeBigInt64BE(BigInt(ms - postgresEpochMs) * 1000n, at + 4);
    }
    this.length += 12;
  }

  /** Big-endian, its low 32 bits (a negative number as two's complement), byte by byte: no checks to pay for. */
  private int32(value: number, at: number): void {
    const { buffer } = this;
    buffer[at] = value >>> 24;
    buffer[at + 1] = value >>> 16;
    buffer[at + 2] = value >>> 8;
    buffer[at + 3] = value;
  }

  /** A row the server refuses at its id, its other fields empty. */
  private refusedRow(): void {
    this.fieldCount(fixedBytesPerRow);
    this.refused(16);
    for (let field = 0; field < 5; field++) {
      this.int32(0, this.length);
      this.length += 4;
    }
    this.refused(8);
  }

  /** A field one byte longer than its type's `size` (room reserved with the row): the server refuses the row (22P03). */
  private refused(size: number): void {
    this.int32(size + 1, this.length);
    this.buffer.fill(0, this.length + 4, this.length + 5 + size);
    this.length += 5 + size;
  }
}
