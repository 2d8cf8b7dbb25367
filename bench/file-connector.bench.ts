import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { SampleRenderer } from '../src/lib/connectors/openmetrics/openmetrics-format.js';
import { SampleBytes } from '../src/lib/connectors/openmetrics/sample-bytes.mjs';
import {
  OpenMetricsFileConnector,
  type MetadataRecord,
  type OpenMetricsSampleMode,
} from '../src/lib/index.js';
import { exampleWorkload } from './example-workload.js';
import { figure, interleave, type Figure } from './report.js';

/** Records/s through the OpenMetrics file connector (in series, and per record), against one fs write per batch of the per-record bytes. */
export async function fileConnector(scale: number, runs: number): Promise<Figure[]> {
  const total = Math.max(20_000, Math.round(500_000 * scale));
  const batchSize = 5_000;
  const batches: MetadataRecord[][] = [];
  for (let i = 0; i < total; i += batchSize) {
    batches.push(
      Array.from({ length: Math.min(batchSize, total - i) }, (_, k) => {
        const data = k % 2 ? i + k : { status: 'ok', n: k };
        return {
          id: randomUUID(),
          topic: 'files',
          name: `family_${k % 8}`,
          location: 'db://warehouse',
          context: 'file bench "quoted"',
          data,
          json: JSON.stringify(data),
          publishedAt: new Date(),
        };
      }),
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'metaqueue-bench-file-'));
  try {
    const connector = (samples: OpenMetricsSampleMode) => async () => {
      const path = join(dir, 'log.txt');
      const connector = new OpenMetricsFileConnector({ path, samples });
      await connector.open();
      const started = performance.now();
      for (const batch of batches) await connector.write(batch);
      await connector.close();
      const rate = total / ((performance.now() - started) / 1000);
      rmSync(path);
      return rate;
    };
    // The baseline: the same bytes, rendered by the same function, one fs write
    // per batch, nothing more (so not a valid exposition: families interleave, no # EOF).
    const raw = async () => {
      const path = join(dir, 'raw.txt');
      const file = await open(path, 'a');
      const started = performance.now();
      const renderer = new SampleRenderer();
      for (const batch of batches) {
        const out = new SampleBytes();
        for (const record of batch) renderer.render(record, out);
        await file.write(out.written());
      }
      await file.close();
      const rate = total / ((performance.now() - started) / 1000);
      rmSync(path);
      return rate;
    };
    const [inSeries, perRecord, baseline] = await interleave(
      runs,
      connector('series'),
      connector('per-record'),
      raw,
    );
    return [
      // The default: half of these records hold JSON, which a file in series leaves out.
      figure('OpenMetrics file connector vs one write per batch', 'records/s', inSeries, baseline, {
        atLeast: 0.8,
      }),
      figure(
        'OpenMetrics file connector, per record, vs one write per batch',
        'records/s',
        perRecord,
        baseline,
        { atLeast: 0.8 },
      ),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The event loop's longest delay while a full spool (64 MiB at scale 1, the
 * rotation size) is joined into the file: in series, merged on the merge
 * thread, against per record, a streamed copy. What an app's requests wait
 * at each rotation.
 */
export async function fileJoinStall(scale: number, runs: number): Promise<Figure[]> {
  const total = Math.max(20_000, Math.round(450_000 * scale));
  const records = Array.from({ length: total }, (_, i): MetadataRecord => ({
    id: randomUUID(),
    topic: `topic_${i % 8}`,
    name: 'rows_imported',
    location: `task_${i % 1_000}`,
    context: 'join stall',
    data: i,
    json: String(i),
    publishedAt: new Date(1_764_412_345_000 + i),
  }));
  const dir = mkdtempSync(join(tmpdir(), 'metaqueue-bench-join-'));
  try {
    const joined = (samples: OpenMetricsSampleMode) => async () => {
      const path = join(dir, `${samples}.txt`);
      const connector = new OpenMetricsFileConnector({ path, samples });
      await connector.open();
      for (let i = 0; i < total; i += 5_000) await connector.write(records.slice(i, i + 5_000));
      const delay = monitorEventLoopDelay({ resolution: 1 });
      delay.enable();
      await connector.close();
      delay.disable();
      rmSync(path);
      return delay.max / 1e6;
    };
    const [inSeries, perRecord] = await interleave(runs, joined('series'), joined('per-record'));
    return [
      figure(
        `event loop's longest delay while a spool of ${total} records is joined: in series vs per record`,
        'ms',
        inSeries,
        perRecord,
      ),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Series in the file for the example app's workload of 1,000,000 records
 * (scaled): in series (the default) against per record. Counted from the
 * closed files (every rotation), as the distinct label sets of their samples.
 */
export async function fileSeries(scale: number): Promise<Figure[]> {
  const total = Math.max(20_000, Math.round(1_000_000 * scale));
  const records = exampleWorkload(total);
  const dir = mkdtempSync(join(tmpdir(), 'metaqueue-bench-series-'));
  try {
    const seriesIn = async (samples: OpenMetricsSampleMode) => {
      const path = join(dir, `${samples}.txt`);
      const connector = new OpenMetricsFileConnector({ path, samples });
      await connector.open();
      for (let i = 0; i < records.length; i += 5_000) {
        await connector.write(records.slice(i, i + 5_000));
      }
      await connector.close();
      const series = new Set<string>();
      for (const file of readdirSync(dir).filter((f) => f.startsWith(`${samples}.txt`))) {
        for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
          if (line === '' || line.startsWith('#')) continue;
          // A sample's series: all but its value and timestamp.
          series.add(line.slice(0, line.lastIndexOf(' ', line.lastIndexOf(' ') - 1)));
        }
        rmSync(join(dir, file));
      }
      return series.size;
    };
    const bounded = await seriesIn('series');
    const perRecord = await seriesIn('per-record');
    return [
      figure(
        `series in the file, the example's ${total} records: in series vs per record`,
        'series',
        [bounded],
        [perRecord],
        { atMost: 0.001 },
      ),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
