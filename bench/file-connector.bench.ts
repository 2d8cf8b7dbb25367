import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderSample } from '../src/lib/connectors/openmetrics/openmetrics-format.js';
import { OpenMetricsFileConnector, type MetadataRecord } from '../src/lib/index.js';
import { figure, type Figure } from './report.js';

/** Records/s through the OpenMetrics file connector, against one fs write per batch of the same bytes. */
export async function fileConnector(scale: number): Promise<Figure[]> {
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
    const connector = new OpenMetricsFileConnector({ path: join(dir, 'log.txt') });
    await connector.open();
    let started = performance.now();
    for (const batch of batches) await connector.write(batch);
    await connector.close();
    const ours = total / ((performance.now() - started) / 1000);

    // The baseline: the same bytes, rendered by the same function, one fs write
    // per batch, nothing more (so not a valid exposition: families interleave, no # EOF).
    const file = await open(join(dir, 'raw.txt'), 'a');
    started = performance.now();
    for (const batch of batches) await file.write(batch.map(renderSample).join(''));
    await file.close();
    const raw = total / ((performance.now() - started) / 1000);
    return [figure('OpenMetrics file connector', ours, 'records/s', raw, { atLeast: 0.5 })];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
