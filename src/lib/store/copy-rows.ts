import { setImmediate as nextTurn } from 'node:timers/promises';
import type { MetadataRecord } from '../record/metadata.interface.js';
import { sentTimeText } from './record-time.js';

/** COPY's text format escapes these in a field; everything else goes as it is. */
const special = /[\\\n\r\t]/;
const specials = /[\\\n\r\t]/g;
const escapes: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function field(value: string): string {
  return special.test(value) ? value.replace(specials, (c) => escapes[c]) : value;
}

const columns = '"metadata" ("id", "topic", "name", "location", "context", "data", "published_at")';

export const copyMetadata = `COPY ${columns} FROM STDIN`;

/** PGlite's COPY reads the blob given with the query under this name. */
export const copyMetadataFromBlob = `COPY ${columns} FROM '/dev/blob'`;

/**
 * The records as COPY text, a few hundred rows per chunk, a chunk per turn of
 * the event loop: a big batch never holds it for long (a stream pulls a sync
 * generator's chunks in one go, up to its high-water mark). Each row is one
 * flat string, and a chunk is joined and encoded once: no rope of `+=` for
 * Buffer.from to flatten.
 */
export async function* copyRows(
  records: readonly MetadataRecord[],
  rowsPerChunk = 500,
): AsyncGenerator<Buffer<ArrayBuffer>> {
  // Records of a batch often share their millisecond.
  let lastMs = NaN;
  let lastIso = '';
  for (let start = 0; start < records.length; start += rowsPerChunk) {
    if (start > 0) await nextTurn();
    const end = Math.min(records.length, start + rowsPerChunk);
    const rows = new Array<string>(end - start);
    for (let i = start; i < end; i++) {
      const r = records[i];
      const ms = r.publishedAt.getTime();
      if (ms !== lastMs) {
        lastMs = ms;
        lastIso = sentTimeText(r.publishedAt);
      }
      rows[i - start] =
        `${r.id}\t${field(r.topic)}\t${field(r.name)}\t${field(r.location)}\t${field(r.context)}\t${field(r.json)}\t${lastIso}\n`;
    }
    yield Buffer.from(rows.join(''));
  }
}

/** The records as one COPY input for PGlite. */
export async function copyBytes(records: readonly MetadataRecord[]): Promise<Buffer> {
  const chunks: Buffer<ArrayBuffer>[] = [];
  for await (const chunk of copyRows(records)) chunks.push(chunk);
  return Buffer.concat(chunks);
}
