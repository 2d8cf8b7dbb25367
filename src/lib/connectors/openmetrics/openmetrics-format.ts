import { setImmediate as nextTurn } from 'node:timers/promises';
import type { MetadataRecord } from '../../record/metadata.interface.js';
import { SampleBytes } from './sample-bytes.mjs';
import type { SeriesNumbers } from './series-numbers.js';
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
  /** In series, the labels after `id` that make a series, in the order they are written. */
  readonly seriesFields: readonly RecordLabel[];
  private readonly labels: [prefix: Uint8Array, field: RecordLabel][];
  /** The labels as a series key writes them, with no `id` before them. */
  private readonly keyLabels: [prefix: Uint8Array, field: RecordLabel][];
  private readonly keyEnd: Uint8Array;
  private readonly perRecord: boolean;

  constructor(shape: SampleShape = perRecordShape) {
    this.perRecord = shape.samples === 'per-record';
    const names = this.perRecord
      ? recordLabels
      : recordLabels.filter((l) => shape.labels.includes(l));
    this.seriesFields = names;
    this.labels = names.map((name) => [Buffer.from(`",${name}="`), name]);
    this.keyLabels = names.map((name, i) => [
      Buffer.from(`${i === 0 ? '{' : '",'}${name}="`),
      name,
    ]);
    this.keyEnd = Buffer.from(names.length === 0 ? ' ' : '"} ');
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

  /**
   * Writes the record's series as the merge thread writes it before each of
   * its samples: its line up to the value, less the `id` label, with the
   * space before the value: `rows_imported{topic="imports",location="db"} `.
   */
  renderKey(record: MetadataRecord, out: SampleBytes): void {
    out.ascii(record.name);
    for (const [prefix, field] of this.keyLabels) {
      out.bytes(prefix);
      out.label(record[field]);
    }
    out.bytes(this.keyEnd);
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

/**
 * Samples rendered this many at a time, so a big batch never holds the event
 * loop for long: at 2,500 a slice was the host's most frequent stall of 3 ms
 * or more (docs/benchmarks.md, the host's latency).
 */
const samplesPerTurn = 500;

/** A batch's samples by family, and how many of its records were not written. */
export interface RenderedBatch {
  families: Map<string, RenderedFamily>;
  /** Records not written: non-numeric data, in series. */
  notWritten: number;
}

/** One family's samples of a batch, as lines. */
export interface RenderedFamily {
  out: SampleBytes;
  /** The TYPE line the lines start with, if the batch starts the family's file. */
  header?: string;
}

/** What rendering a batch asks of a family's file. */
export interface FamilyFileState {
  /** Bytes of whole batches in it: a batch into an empty file starts with the TYPE line. */
  readonly bytes: number;
  /** Its series' numbers, when the batch's samples are wanted as numbers too. */
  readonly numbers?: SeriesNumbers;
}

/**
 * Renders a batch by family, a slice per turn of the event loop, as each
 * family's file (`fileOf`) asks.
 */
export async function renderByFamily(
  records: readonly MetadataRecord[],
  shape: SampleShape,
  fileOf: (family: string) => FamilyFileState,
): Promise<RenderedBatch> {
  const renderer = new SampleRenderer(shape);
  const families = new Map<string, RenderedFamily>();
  let notWritten = 0;
  let last: { name: string; out: SampleBytes; numbers?: SeriesNumbers } | undefined;
  for (let i = 0; i < records.length; i++) {
    if (i > 0 && i % samplesPerTurn === 0) await nextTurn();
    const record = records[i];
    if (!renderer.writes(record)) {
      notWritten++;
      continue;
    }
    if (last?.name !== record.name) {
      const file = fileOf(record.name);
      let family = families.get(record.name);
      if (!family) {
        family = { out: new SampleBytes(roomFor(records.length - i)) };
        file.numbers?.startBatch();
        families.set(record.name, family);
        if (file.bytes === 0) {
          family.header = familyHeader(record.name);
          family.out.ascii(family.header);
        }
      }
      last = { name: record.name, out: family.out, numbers: file.numbers };
    }
    renderer.render(record, last.out);
    last.numbers?.add(record);
  }
  return { families, notWritten };
}

/** The TYPE line that opens a family in an exposition. */
export function familyHeader(name: string): string {
  return `# TYPE ${name} gauge\n`;
}

export const endOfExposition = '# EOF\n';
