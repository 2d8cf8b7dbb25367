import { setImmediate as nextTurn } from 'node:timers/promises';
import type { MetadataRecord } from '../../record/metadata.interface.js';
import { SampleBytes } from './sample-bytes.mjs';
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
 * Writes each record as it is spooled: a sample of the gauge family `name`, its
 * record's `id` always the first label, at its publish time:
 *
 *   rows_imported{id="…",topic="imports",location="db",context="nightly"} 1200 1764412345.123
 *   service_status{id="…",topic="checks",location="api",context="probe",data="\"ok\""} 1 1764412345.124
 *
 * Per record (above), numeric data is the value and any other data its JSON
 * in label `data`, with value 1. In series, the labels after `id` are the
 * chosen ones, and a record whose data is not a number renders as nothing.
 * The spool needs the `id` to settle a crash; a series file drops it when
 * the spool is joined (`FamilySeries`), unless it is one of the labels.
 * Samples are written as bytes (see `SampleBytes`): a label's prefix is
 * encoded once per renderer.
 */
export class SampleRenderer {
  private readonly labels: [prefix: Uint8Array, field: RecordLabel][];
  private readonly perRecord: boolean;

  constructor(shape: SampleShape = perRecordShape) {
    this.perRecord = shape.samples === 'per-record';
    const names = this.perRecord
      ? recordLabels
      : recordLabels.filter((l) => shape.labels.includes(l));
    this.labels = names.map((name) => [Buffer.from(`",${name}="`), name]);
  }

  /** Whether the record has a sample: not for non-numeric data, in series. */
  writes(record: MetadataRecord): boolean {
    return this.perRecord || typeof record.data === 'number';
  }

  /** Writes the record's sample line into `out` (see `writes`). */
  render(record: MetadataRecord, out: SampleBytes): void {
    const numeric = typeof record.data === 'number';
    out.ascii(record.name);
    out.bytes(idLabel);
    out.ascii(record.id);
    for (const [prefix, field] of this.labels) {
      out.bytes(prefix);
      out.label(record[field]);
    }
    if (!numeric) {
      out.bytes(dataLabel);
      out.label(record.json);
    }
    out.bytes(labelsEnd);
    out.ascii(numeric ? record.json : '1');
    out.time(record.publishedAt.getTime());
  }
}

const idLabel = Buffer.from('{id="');
const dataLabel = Buffer.from('",data="');
const labelsEnd = Buffer.from('"} ');

/** The labels a record carries after its `id`, in this order. */
type RecordLabel = 'topic' | 'location' | 'context';
const recordLabels: readonly RecordLabel[] = ['topic', 'location', 'context'];

/**
 * Room for a family's bytes from the records left in its batch, so the
 * buffer seldom grows (each growth copies it); bounded, as a family may get
 * few of them.
 */
function roomFor(records: number): number {
  return Math.min(Math.max(records * 112, 16 * 1024), 1024 * 1024);
}

/** Samples rendered this many at a time, so a big batch never holds the event loop for long. */
const samplesPerTurn = 2_500;

/** A batch's samples by family, and how many of its records were not written. */
export interface RenderedBatch {
  /** Each family's samples, as bytes. */
  families: Map<string, SampleBytes>;
  /** Records not written: non-numeric data, in series. */
  notWritten: number;
}

/**
 * Renders a batch by family, a slice per turn of the event loop; a family
 * for which `startsFile` says so starts with its TYPE line.
 */
export async function renderByFamily(
  records: readonly MetadataRecord[],
  shape: SampleShape = perRecordShape,
  startsFile: (family: string) => boolean = () => false,
): Promise<RenderedBatch> {
  const renderer = new SampleRenderer(shape);
  const families = new Map<string, SampleBytes>();
  let notWritten = 0;
  let last: { name: string; out: SampleBytes } | undefined;
  for (let i = 0; i < records.length; i++) {
    if (i > 0 && i % samplesPerTurn === 0) await nextTurn();
    const record = records[i];
    if (!renderer.writes(record)) {
      notWritten++;
      continue;
    }
    if (last?.name !== record.name) {
      let out = families.get(record.name);
      if (!out) {
        families.set(record.name, (out = new SampleBytes(roomFor(records.length - i))));
        if (startsFile(record.name)) out.ascii(familyHeader(record.name));
      }
      last = { name: record.name, out };
    }
    renderer.render(record, last.out);
  }
  return { families, notWritten };
}

/** The TYPE line that opens a family in an exposition. */
export function familyHeader(name: string): string {
  return `# TYPE ${name} gauge\n`;
}

export const endOfExposition = '# EOF\n';
