import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderSample } from '../src/lib/connectors/openmetrics/openmetrics-format.js';
import { OpenMetricsFileConnector, type MetadataRecord } from '../src/lib/index.js';
import { figure, interleave, type Figure } from './report.js';

/** Records/s through the OpenMetrics file connector, against one fs write per batch of the same bytes. */
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
    const connector = async () => {
      const path = join(dir, 'log.txt');
      const connector = new OpenMetricsFileConnector({ path });
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
      for (const batch of batches) await file.write(batch.map((r) => renderSample(r)).join(''));
      await file.close();
      const rate = total / ((performance.now() - started) / 1000);
      rmSync(path);
      return rate;
    };
    const [ours, baseline] = await interleave(runs, connector, raw);
    return [
      figure('OpenMetrics file connector vs one write per batch', 'records/s', ours, baseline, {
        atLeast: 0.8,
      }),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
