import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MetaqueueConfigError } from '../../../../src/lib/errors/metaqueue.errors.js';
import {
  openEmbeddedDatabase,
  pgliteLockPath,
} from '../../../../src/lib/store/pglite/pglite-directory.js';
import { holderLine } from '../../../../src/lib/utils/pid-lock.js';

// One directory for the file: a first open runs initdb, which takes seconds; reopening does not.
let dir: string;
let dataDir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'metaqueue-pglite-directory-'));
  dataDir = join(dir, 'pglite');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('openEmbeddedDatabase', () => {
  it('holds <dataDir>.lock while open, refuses a second opener by name, and frees it at close', async () => {
    const db = await openEmbeddedDatabase(dataDir);
    try {
      expect(pgliteLockPath(dataDir)).toBe(`${dataDir}.lock`);
      expect(readFileSync(`${dataDir}.lock`, 'utf8').split(' ')[0]).toBe(String(process.pid));
      const second = openEmbeddedDatabase(dataDir);
      await expect(second).rejects.toThrow(MetaqueueConfigError);
      await expect(second).rejects.toThrow(
        `The embedded PGlite directory ${dataDir} is open in process ${process.pid} (lock ${dataDir}.lock)`,
      );
      expect((await db.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await db.close();
    }
    expect(existsSync(`${dataDir}.lock`)).toBe(false);
    const again = await openEmbeddedDatabase(dataDir);
    await again.close();
  });

  it('takes over the lock a crashed process left', async () => {
    const gone = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(`${dataDir}.lock`, holderLine(gone));
    const db = await openEmbeddedDatabase(dataDir);
    await db.close();
    expect(existsSync(`${dataDir}.lock`)).toBe(false);
  });
});
