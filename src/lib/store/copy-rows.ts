import type { MetadataRecord } from '../engine/metadata.interface.js';

/** COPY's text format escapes these in a field; everything else goes as it is. */
const special = /[\\\n\r\t]/;
const specials = /[\\\n\r\t]/g;
const escapes: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function field(value: string): string {
  return special.test(value) ? value.replace(specials, (c) => escapes[c]) : value;
}

export const copyMetadata =
  'COPY "metadata" ("id", "topic", "name", "location", "context", "data", "published_at") FROM STDIN';

/**
 * The records as COPY text, a few hundred rows per chunk: a big batch is
 * encoded over several turns of the event loop instead of blocking it once.
 */
export function* copyRows(
  records: readonly MetadataRecord[],
  rowsPerChunk = 500,
): Generator<string> {
  for (let start = 0; start < records.length; start += rowsPerChunk) {
    let chunk = '';
    const end = Math.min(records.length, start + rowsPerChunk);
    for (let i = start; i < end; i++) {
      const r = records[i];
      chunk += `${r.id}\t${field(r.topic)}\t${field(r.name)}\t${field(r.location)}\t${field(r.context)}\t${field(r.json)}\t${r.publishedAt.toISOString()}\n`;
    }
    yield chunk;
  }
}
