import type { MetadataRecord } from '../../engine/metadata.interface.js';

/**
 * One record as one OpenMetrics sample of the gauge family `name`:
 *
 *   rows_imported{id="…",topic="imports",location="db",context="nightly"} 1200 1764412345.123
 *   service_status{id="…",topic="checks",location="api",context="probe",data="\"ok\""} 1 1764412345.124
 *
 * Numeric data is the value; any other data is its JSON in label `data`, with
 * value 1. The `id` label gives every record a series of its own, so no
 * reader can merge two records that share labels and a millisecond.
 */
export function renderSample(record: MetadataRecord): string {
  const numeric = typeof record.data === 'number';
  const data = numeric ? '' : `,data="${escapeLabelValue(record.json)}"`;
  return (
    `${record.name}{id="${record.id}",topic="${escapeLabelValue(record.topic)}",` +
    `location="${escapeLabelValue(record.location)}",context="${escapeLabelValue(record.context)}"${data}} ` +
    `${numeric ? record.json : '1'} ${unixSeconds(record.publishedAt)}\n`
  );
}

/** OpenMetrics escapes exactly these three in label values. */
function escapeLabelValue(value: string): string {
  if (!needsEscape.test(value)) return value;
  return value.replace(toEscape, (c) => labelEscapes[c]);
}

const needsEscape = /[\\"\n]/;
const toEscape = /[\\"\n]/g;
const labelEscapes: Record<string, string> = { '\\': '\\\\', '"': '\\"', '\n': '\\n' };

/** Milliseconds as Unix seconds, exactly: `1764412345.123`. */
function unixSeconds(date: Date): string {
  const ms = date.getTime();
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  return `${sign}${Math.floor(abs / 1000)}.${String(abs % 1000).padStart(3, '0')}`;
}

/** The TYPE line that opens a family in an exposition. */
export function familyHeader(name: string): string {
  return `# TYPE ${name} gauge\n`;
}

export const endOfExposition = '# EOF\n';
