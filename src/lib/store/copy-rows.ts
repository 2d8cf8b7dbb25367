import { setImmediate as nextTurn } from 'node:timers/promises';
import type { MetadataRecord } from '../record/metadata.interface.js';
import { sentTimeText } from './record-time.js';
import { LastResult } from '../utils/last-result.util.js';

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
 * the event loop: a big batch never holds it for long. A chunk's fields and
 * separators are joined once into one flat string, encoded once: a template
 * literal per row would build a tree of concatenations for each (about 700
 * bytes of garbage a row, against 300).
 */
export async function* copyRows(
  records: readonly MetadataRecord[],
  rowsPerChunk = 500,
): AsyncGenerator<Buffer<ArrayBuffer>> {
  const topic = new LastResult(field);
  const name = new LastResult(field);
  const location = new LastResult(field);
  const context = new LastResult(field);
  const time = new LastResult((ms: number) => sentTimeText(new Date(ms)));
  for (let start = 0; start < records.length; start += rowsPerChunk) {
    if (start > 0) await nextTurn();
    const end = Math.min(records.length, start + rowsPerChunk);
    const parts = new Array<string>((end - start) * partsPerRow);
    let p = 0;
    for (let i = start; i < end; i++) {
      const r = records[i];
      parts[p++] = r.id;
      parts[p++] = '\t';
      parts[p++] = topic.of(r.topic);
      parts[p++] = '\t';
      parts[p++] = name.of(r.name);
      parts[p++] = '\t';
      parts[p++] = location.of(r.location);
      parts[p++] = '\t';
      parts[p++] = context.of(r.context);
      parts[p++] = '\t';
      parts[p++] = field(r.json);
      parts[p++] = '\t';
      parts[p++] = time.of(r.publishedAt.getTime());
      parts[p++] = '\n';
    }
    yield Buffer.from(parts.join(''));
  }
}

/** A row's seven fields and their separators. */
const partsPerRow = 14;

/** The records as one COPY input for PGlite. */
export async function copyBytes(records: readonly MetadataRecord[]): Promise<Buffer> {
  const chunks: Buffer<ArrayBuffer>[] = [];
  for await (const chunk of copyRows(records)) chunks.push(chunk);
  return Buffer.concat(chunks);
}
