import { Command, InvalidArgumentError, Option } from 'commander';
import { createReadStream } from 'node:fs';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type {
  MetadataQuery,
  MetadataRecord,
  OpenMetricsFileStats,
  OpenMetricsMergeRule,
  OpenMetricsSampleMode,
  OpenMetricsSeriesLabel,
  StoredMetadata,
} from '../../lib/index.js';
import {
  openMetricsMergeRules,
  openMetricsSampleModes,
  openMetricsSeriesLabels,
} from '../../lib/connectors/openmetrics/openmetrics-file-options.interface.js';
import { describeError } from '../../lib/errors/describe-error.util.js';
import { defaults } from '../../lib/metaqueue.defaults.js';
import { definedOnly } from '../../lib/utils/defined-only.util.js';
import { cliMessages } from '../cli.messages.js';
import { CliError, exitCodes } from '../exit-codes.js';
import type { SourceOptions } from '../reading/open-record-pages.js';
import type { RecordPages } from '../reading/record-pages.interface.js';
import { openQueryPages } from '../reading/query-pages.js';
import { addFilterOptions, addRangeOptions, addSourceOptions } from '../reading/source-options.js';

interface ExportOptions extends SourceOptions {
  from: string;
  to: string;
  out?: string;
  topic?: string;
  name?: string;
  location?: string;
  context?: string;
  data?: string;
  samples: OpenMetricsSampleMode;
  labels: OpenMetricsSeriesLabel[];
  merge: OpenMetricsMergeRule;
}

/**
 * `metaqueue export openmetrics`: the stored records of a time range as an
 * OpenMetrics file for `promtool tsdb create-blocks-from openmetrics`.
 */
export function exportOpenMetricsCommand(): Command {
  const command = new Command('openmetrics').description(
    'Write the records published in [--from, --to) as an OpenMetrics file, as OpenMetricsFileConnector writes them: a backfill for promtool tsdb create-blocks-from openmetrics.',
  );
  const { samples, labels, merge } = defaults.openMetricsFile;
  addRangeOptions(command, true)
    .option('--out <file>', 'the file to write (replaced if it exists); stdout without it')
    .addOption(
      new Option(
        '--samples <mode>',
        'series: a series per name and --labels, bounded; per-record: a series per record, with its id',
      )
        .choices(openMetricsSampleModes)
        .default(samples),
    )
    .addOption(
      new Option('--labels <labels>', "in series, a series' labels beside its name, by commas")
        .argParser(parseLabels)
        .default([...labels], labels.join(',')),
    )
    .addOption(
      new Option(
        '--merge <rule>',
        'in series, the sample kept where samples meet in one series and millisecond',
      )
        .choices(openMetricsMergeRules)
        .default(merge),
    );
  return addSourceOptions(addFilterOptions(command)).action(exportOpenMetrics);
}

/** `topic,location` as labels: distinct ones of the file's series labels. */
function parseLabels(given: string): OpenMetricsSeriesLabel[] {
  const labels = given.split(',').map((l) => l.trim());
  const known = (l: string): l is OpenMetricsSeriesLabel =>
    (openMetricsSeriesLabels as readonly string[]).includes(l);
  if (!labels.every(known) || new Set(labels).size !== labels.length)
    throw new InvalidArgumentError(cliMessages.badLabels(given, openMetricsSeriesLabels));
  return labels;
}

async function exportOpenMetrics(options: ExportOptions): Promise<void> {
  const { from, to, topic, name, location, context, data } = options;
  const filters = definedOnly({ from, to, topic, name, location, context, data });
  const out = options.out === undefined ? undefined : resolve(options.out);
  // The file is made whole aside, then renamed into place (beside --out, so
  // that the rename never crosses file systems) or copied to stdout: a failed
  // export leaves nothing that looks complete, and an earlier --out as it was.
  const aside = await makeAside(out);
  const pages = await openQueryPages(filters, options);
  try {
    const made = join(aside, 'export.om');
    const { written, stats } = await writeFile(pages, filters, options, made);
    if (out === undefined) await pipeline(createReadStream(made), process.stdout, { end: false });
    else await rename(made, out);
    const inSeries = options.samples === 'series' ? { ...stats, merge: options.merge } : undefined;
    process.stderr.write(
      `${cliMessages.exported(written, from, to, options.out ?? 'stdout', inSeries)}\n`,
    );
  } finally {
    await pages.close();
    await rm(aside, { recursive: true, force: true });
  }
}

/** A new directory beside `out` (or a temporary one for stdout); a place it cannot make is the user's to fix. */
async function makeAside(out: string | undefined): Promise<string> {
  if (out === undefined) return mkdtemp(join(tmpdir(), 'metaqueue-export-'));
  try {
    return await mkdtemp(join(dirname(out), '.metaqueue-export-'));
  } catch (error) {
    throw new CliError(cliMessages.cannotWrite(out, describeError(error)), exitCodes.usage);
  }
}

/**
 * Writes every record the filters match to `out`, oldest first, a page at a
 * time, through the file connector itself: the same samples, families and
 * `# EOF` as the file an app writes with the same `samples`, `labels` and
 * `merge`. Returns how many records it read, and what the file did besides.
 */
async function writeFile(
  pages: RecordPages,
  filters: MetadataQuery,
  { samples, labels, merge }: ExportOptions,
  out: string,
): Promise<{ written: number; stats: OpenMetricsFileStats }> {
  const { OpenMetricsFileConnector } =
    await import('../../lib/connectors/openmetrics/openmetrics-file.connector.js');
  // One file, never rotated: a backfill is read whole.
  const file = new OpenMetricsFileConnector({
    path: out,
    maxFileBytes: Number.MAX_SAFE_INTEGER,
    samples,
    labels,
    merge,
  });
  await file.open();
  let written = 0;
  try {
    let cursor: string | undefined;
    do {
      const page = await pages.page({
        ...filters,
        order: 'oldest',
        limit: defaults.query.maxLimit,
        ...(cursor ? { cursor } : {}),
      });
      if (page.items.length > 0) await file.write(page.items.map(recordOfStored));
      written += page.items.length;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  } finally {
    await file.close();
  }
  return { written, stats: file.stats() };
}

/** A stored record as the connector takes it: with `data` as JSON text again. */
function recordOfStored(r: StoredMetadata): MetadataRecord {
  const { id, topic, name, location, context, data, publishedAt } = r;
  return { id, topic, name, location, context, data, publishedAt, json: JSON.stringify(data) };
}
