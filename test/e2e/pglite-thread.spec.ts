import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGliteThread } from '../../src/lib/store/pglite/pglite-thread.js';
import { pgliteDataDirOfOwn } from '../harness/test-database.js';
import { hangBound } from '../support/hang-bound.js';
import { builtPath } from '../support/test-build.mjs';

const root = new URL('../..', import.meta.url).pathname;
let dir: string;
// A database that exists already, where a new one is not what the test is about: initdb takes seconds.
let existing: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'metaqueue-pglite-thread-'));
  existing = pgliteDataDirOfOwn();
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(existing, { recursive: true, force: true });
});

describe('PGliteThread: the embedded database on a thread of its own', () => {
  it('queries, copies from bytes, and keeps what it stored in its directory', async () => {
    const dataDir = join(dir, 'db');
    const db = await PGliteThread.open(dataDir);
    await db.exec('CREATE TABLE t (id int PRIMARY KEY, note text)');
    await db.copy(`COPY t FROM '/dev/blob'`, Buffer.from('1\tone\n2\ttwo\n'));
    const { rows } = await db.query('SELECT note FROM t WHERE id = $1', [2]);
    expect(rows).toEqual([{ note: 'two' }]);
    await db.close();

    const again = await PGliteThread.open(dataDir);
    expect((await again.query('SELECT count(*)::int AS n FROM t', [])).rows).toEqual([{ n: 2 }]);
    await again.close();
  });

  it('gives a database error back with its SQLSTATE and detail, as node-postgres would', async () => {
    const db = await PGliteThread.open(existing);
    try {
      await db.exec('CREATE TABLE t (id int PRIMARY KEY)');
      await db.query('INSERT INTO t VALUES ($1)', [1]);
      const failed = db.query('INSERT INTO t VALUES ($1)', [1]);
      await expect(failed).rejects.toThrow(/duplicate key/);
      await expect(failed).rejects.toMatchObject({ code: '23505', detail: expect.any(String) });
    } finally {
      await db.close();
    }
  });

  it('says why when the database cannot be opened', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    await expect(PGliteThread.open(join(file, 'db'))).rejects.toThrow(/ENOTDIR|not a directory/);
  });

  it('fails every request after close, saying the database stopped', async () => {
    const db = await PGliteThread.open(existing);
    await db.close();
    await expect(db.query('SELECT 1', [])).rejects.toThrow(/embedded PGlite database stopped/);
  });

  it('does not hold the process open while idle: an app that forgets to close it still exits', () => {
    const script = [
      `import { PGliteThread } from ${JSON.stringify(builtPath('src/lib/store/pglite/pglite-thread.ts'))};`,
      `const db = await PGliteThread.open(${JSON.stringify(existing)});`,
      `const { rows } = await db.query('SELECT 1 AS one', []);`,
      `console.log(JSON.stringify(rows));`,
    ].join('\n');
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: root,
      encoding: 'utf8',
      timeout: hangBound(60_000),
    });
    expect(child.error).toBeUndefined();
    expect(child.stdout.trim()).toBe('[{"one":1}]');
    expect(child.status).toBe(0);
  });
});
