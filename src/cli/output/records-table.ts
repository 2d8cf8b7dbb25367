import type { StoredMetadata } from '../../lib/index.js';
import { columns } from './columns.js';

/** Characters of `data` a row shows; --json gives all of it. */
const dataWidth = 60;

const cells: [string, (record: StoredMetadata) => string][] = [
  ['PUBLISHED AT', (r) => r.publishedAt.toISOString()],
  ['TOPIC', (r) => r.topic],
  ['NAME', (r) => r.name],
  ['LOCATION', (r) => r.location],
  ['CONTEXT', (r) => r.context],
  ['DATA', (r) => cut(JSON.stringify(r.data) ?? 'null', dataWidth)],
];

/** The records as a table: one line each, columns padded to their widest cell. */
export function recordsTable(records: readonly StoredMetadata[]): string {
  const rows = [
    cells.map(([title]) => title),
    ...records.map((record) => cells.map(([, cell]) => visible(cell(record)))),
  ];
  return columns(rows);
}

/** A label as one line: control characters (a newline would break the row) as JSON escapes them. */
function visible(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1));
}

function cut(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}
