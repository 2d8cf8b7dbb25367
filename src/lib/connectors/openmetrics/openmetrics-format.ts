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
export function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === '\\' ? '\\\\' : c === '"' ? '\\"' : '\\n'));
}

/** Milliseconds as Unix seconds, exactly: `1764412345.123`. */
function unixSeconds(date: Date): string {
  const ms = date.getTime();
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  return `${sign}${Math.floor(abs / 1000)}.${String(abs % 1000).padStart(3, '0')}`;
}

/**
 * A complete exposition from sample lines in any order: each family's
 * samples together under its TYPE line, families in order of first
 * appearance, and `# EOF` last.
 */
export function renderExposition(samples: string): string {
  const families = new Map<string, string[]>();
  for (const line of samples.split('\n')) {
    if (line === '') continue;
    const name = line.slice(0, line.indexOf('{'));
    let lines = families.get(name);
    if (!lines) families.set(name, (lines = []));
    lines.push(line);
  }
  let out = '';
  for (const [name, lines] of families) {
    out += `# TYPE ${name} gauge\n${lines.join('\n')}\n`;
  }
  return `${out}# EOF\n`;
}
