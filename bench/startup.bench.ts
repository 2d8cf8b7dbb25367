import { PGlite } from '@electric-sql/pglite';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runChildApp } from '../test/harness/child-app.js';
import { figure, interleave, type Figure } from './report.js';

/**
 * App startup on PGlite, each start in a fresh process (so WebAssembly is
 * compiled each time, as for a user): with an existing data directory, and
 * on a new one; against a bare `PGlite.create()` of the existing directory.
 * And what a pre-initialized, migrated dump shipped with the package would
 * give a first start: `PGlite.create(newDir, { loadDataDir })`.
 */
export async function startupFigures(runs: number): Promise<Figure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'metaqueue-bench-start-'));
  try {
    const existing = join(dir, 'existing');
    await start('app', existing); // initdb and the migrations, once
    let fresh = 0;
    const newDir = () => join(dir, `new-${fresh++}`);
    const dump = join(dir, 'dump.tar.gz');
    const db = await PGlite.create(existing);
    writeFileSync(dump, Buffer.from(await (await db.dumpDataDir('gzip')).arrayBuffer()));
    await db.close();
    const [app, bare, first, fromDump] = await interleave(
      runs,
      () => start('app', existing),
      () => start('bare', existing),
      () => start('app', newDir()),
      () => start('dump', newDir(), dump),
    );
    return [
      figure('PGlite app startup, existing directory vs bare PGlite.create()', 'ms', app, bare, {
        atMost: 1.5,
      }),
      figure('PGlite first start on a new directory vs bare open', 'ms', first, bare),
      figure('PGlite new directory from a migrated dump vs bare open', 'ms', fromDump, bare),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function start(
  mode: 'app' | 'bare' | 'dump',
  dataDir: string,
  dump?: string,
): Promise<number> {
  const out = await runChildApp('bench/startup-app.ts', {
    args: [mode, dataDir, ...(dump ? [dump] : [])],
    stderr: 'inherit',
    timeoutMs: 5 * 60_000,
  });
  return Number(/ms=([\d.]+)/.exec(out)![1]);
}
