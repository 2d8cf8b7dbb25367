import { setImmediate as nextTurn } from 'node:timers/promises';
import type { MetadataRecord } from '../../record/metadata.interface.js';

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
  return new SampleRenderer().render(record);
}

/**
 * Renders the samples of one batch. A batch repeats its topics, locations,
 * contexts and often its millisecond: each is escaped or formatted once per
 * run of equal values, not once per record.
 */
export class SampleRenderer {
  private readonly topic = new LastLabel();
  private readonly location = new LastLabel();
  private readonly context = new LastLabel();
  private lastMs = NaN;
  private lastSeconds = '';

  render(record: MetadataRecord): string {
    const numeric = typeof record.data === 'number';
    const data = numeric ? '' : `,data="${escapeLabelValue(record.json)}"`;
    return `${record.name}{id="${record.id}",topic="${this.topic.escape(record.topic)}",location="${this.location.escape(record.location)}",context="${this.context.escape(record.context)}"${data}} ${numeric ? record.json : '1'} ${this.seconds(record.publishedAt)}\n`;
  }

  private seconds(date: Date): string {
    const ms = date.getTime();
    if (ms !== this.lastMs) {
      this.lastMs = ms;
      this.lastSeconds = unixSeconds(ms);
    }
    return this.lastSeconds;
  }
}

/** Samples rendered this many at a time, so a big batch never holds the event loop for long. */
const samplesPerTurn = 2_500;

/**
 * Each family's samples as pieces to join once, the first left for a TYPE
 * line; rendered a slice per turn of the event loop.
 */
export async function renderByFamily(
  records: readonly MetadataRecord[],
): Promise<Map<string, string[]>> {
  const renderer = new SampleRenderer();
  const families = new Map<string, string[]>();
  for (let i = 0; i < records.length; i++) {
    if (i > 0 && i % samplesPerTurn === 0) await nextTurn();
    const record = records[i];
    let pieces = families.get(record.name);
    if (!pieces) families.set(record.name, (pieces = ['']));
    pieces.push(renderer.render(record));
  }
  return families;
}

/** The escaped form of the last value a label had. */
class LastLabel {
  private value = '';
  private escaped = '';

  escape(value: string): string {
    if (value !== this.value) {
      this.value = value;
      this.escaped = escapeLabelValue(value);
    }
    return this.escaped;
  }
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
function unixSeconds(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  return `${sign}${Math.floor(abs / 1000)}.${String(abs % 1000).padStart(3, '0')}`;
}

/** The TYPE line that opens a family in an exposition. */
export function familyHeader(name: string): string {
  return `# TYPE ${name} gauge\n`;
}

export const endOfExposition = '# EOF\n';
