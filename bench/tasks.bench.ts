import { DataSource } from 'typeorm';
import { MetadataEngine, MetaQueue } from '../src/lib/index.js';
import { runScope } from '../src/lib/engine/run-scope.js';
import { createDataSource } from '../src/lib/store/data-source.factory.js';
import { LocalTickClaims } from '../src/lib/tasks/claims/local-tick-claims.js';
import { StoreTickClaims } from '../src/lib/tasks/claims/store-tick-claims.js';
import type { TickClaims } from '../src/lib/tasks/claims/task-run-row.interface.js';
import { figure, interleave, type Figure } from './report.js';

/**
 * What claiming a tick adds to a scheduled run: µs per run of a task that
 * publishes one record, claimed in the store's table (PostgreSQL) or in the
 * process, then ended in its row, against the same run without a claim.
 */
export async function claimCost(url: string, scale: number, runs: number): Promise<Figure[]> {
  const n = Math.max(200, Math.round(5_000 * scale));
  const { dataSource } = await createDataSource({ url });
  const ds: DataSource = await dataSource.initialize();
  await ds.runMigrations({ transaction: 'each' });
  let round = 0;
  const engine = new MetadataEngine('bench', new MetaQueue({ bufferSize: 1_000_000 }));
  const run = async (runId: string) => {
    const scope = { runId, published: 0 };
    await runScope.run(scope, () =>
      engine.publish({ data: 1, name: 'rows_imported', location: 'db://warehouse' }),
    );
    engine.take();
    return scope.published;
  };
  const claimed = (claims: () => TickClaims) => async () => {
    const each = claims();
    const start = Date.UTC(2026, 0, 1) + round++ * n * 1_000;
    const started = process.hrtime.bigint();
    for (let i = 0; i < n; i++) {
      const now = new Date();
      const row = await each.claim({
        task: 'bench',
        scheduledAt: new Date(start + i * 1_000),
        replica: 'bench',
        now,
        maxRuntimeMs: 60_000,
        overlap: false,
        runningHere: false,
      });
      const published = await run(row!.id);
      await each.finish(row!, {
        status: 'succeeded',
        finishedAt: new Date(),
        durationSeconds: 0,
        recordsPublished: published,
      });
    }
    return Number(process.hrtime.bigint() - started) / n / 1_000;
  };
  const unclaimed = async () => {
    const started = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await run(`run-${i}`);
    return Number(process.hrtime.bigint() - started) / n / 1_000;
  };
  try {
    const [store, local, bare] = await interleave(
      runs,
      claimed(() => new StoreTickClaims(ds)),
      claimed(() => new LocalTickClaims(n)),
      unclaimed,
    );
    return [
      figure(
        'scheduled run claimed in the store (PostgreSQL) vs not claimed',
        'µs/run',
        store,
        bare,
      ),
      figure('scheduled run claimed in the process vs not claimed', 'µs/run', local, bare),
    ];
  } finally {
    await ds.destroy();
  }
}
