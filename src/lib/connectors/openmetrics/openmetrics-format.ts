import { setImmediate as nextTurn } from 'node:timers/promises';
import type { MetadataRecord } from '../../record/metadata.interface.js';
import { LastResult } from '../../utils/last-result.util.js';
import type {
  OpenMetricsSampleMode,
  OpenMetricsSeriesLabel,
} from './openmetrics-file-options.interface.js';

/** What a sample stands for, as the spool renders it (see `OpenMetricsFileOptions`). */
export interface SampleShape {
  samples: OpenMetricsSampleMode;
  /** With `samples: 'series'`: the labels of a series. */
  labels: readonly OpenMetricsSeriesLabel[];
}

/** Today's file: one series per record, every field a label. */
export const perRecordShape: SampleShape = { samples: 'per-record', labels: [] };

/**
 * One record as it is spooled: a sample of the gauge family `name`, its
 * record's `id` always the first label, at its publish time:
 *
 *   rows_imported{id="…",topic="imports",location="db",context="nightly"} 1200 1764412345.123
 *   service_status{id="…",topic="checks",location="api",context="probe",data="\"ok\""} 1 1764412345.124
 *
 * Per record (above), numeric data is the value and any other data its JSON
 * in label `data`, with value 1. In series, the labels after `id` are the
 * chosen ones, and a record whose data is not a number renders as nothing.
 * The spool needs the `id` to settle a crash; a series file drops it when
 * the spool is joined (`mergeSeries`), unless it is one of the labels.
 */
export function renderSample(record: MetadataRecord, shape: SampleShape = perRecordShape): string {
  return new SampleRenderer(shape).render(record);
}

/**
 * Renders the samples of one batch; its labels and times are escaped or
 * formatted once per run of equal values (`LastResult`).
 */
export class SampleRenderer {
  private readonly labels: [
    name: string,
    field: RecordLabel,
    escaped: LastResult<string, string>,
  ][];
  private readonly perRecord: boolean;
  private readonly seconds = new LastResult(unixSeconds);

  constructor(shape: SampleShape = perRecordShape) {
    this.perRecord = shape.samples === 'per-record';
    const names = this.perRecord
      ? recordLabels
      : recordLabels.filter((l) => shape.labels.includes(l));
    this.labels = names.map((name) => [`,${name}="`, name, new LastResult(escapeLabelValue)]);
  }

  /** The record's sample line; empty for non-numeric data in series. */
  render(record: MetadataRecord): string {
    const numeric = typeof record.data === 'number';
    if (!numeric && !this.perRecord) return '';
    let labels = '';
    for (const [prefix, field, escaped] of this.labels) {
      labels += `${prefix}${escaped.of(record[field])}"`;
    }
    const data = numeric ? '' : `,data="${escapeLabelValue(record.json)}"`;
    return `${record.name}{id="${record.id}"${labels}${data}} ${numeric ? record.json : '1'} ${this.seconds.of(record.publishedAt.getTime())}\n`;
  }
}

/** The labels a record carries after its `id`, in this order. */
type RecordLabel = 'topic' | 'location' | 'context';
const recordLabels: readonly RecordLabel[] = ['topic', 'location', 'context'];

/** Samples rendered this many at a time, so a big batch never holds the event loop for long. */
const samplesPerTurn = 2_500;

/** A batch's samples by family, and how many of its records were not written. */
export interface RenderedBatch {
  /** Each family's samples as pieces to join once, the first left for a TYPE line. */
  families: Map<string, string[]>;
  /** Records not written: non-numeric data, in series. */
  notWritten: number;
}

/** Renders a batch by family, a slice per turn of the event loop. */
export async function renderByFamily(
  records: readonly MetadataRecord[],
  shape: SampleShape = perRecordShape,
): Promise<RenderedBatch> {
  const renderer = new SampleRenderer(shape);
  const families = new Map<string, string[]>();
  let notWritten = 0;
  for (let i = 0; i < records.length; i++) {
    if (i > 0 && i % samplesPerTurn === 0) await nextTurn();
    const record = records[i];
    const sample = renderer.render(record);
    if (sample === '') {
      notWritten++;
      continue;
    }
    let pieces = families.get(record.name);
    if (!pieces) families.set(record.name, (pieces = ['']));
    pieces.push(sample);
  }
  return { families, notWritten };
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
