import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLoadApp } from '../support/run-load-app.js';
import { createTestDatabase, serverUrl, type TestDatabase } from '../harness/test-database.js';

describe(`SIGTERM to an app under load (${serverUrl ? 'PostgreSQL' : 'PGlite'})`, () => {
  let db: TestDatabase;
  let dir: string;
  beforeEach(async () => {
    // The app runs in a child process; the test reads what it stored.
    db = await createTestDatabase({ reopen: true });
    dir = mkdtempSync(join(tmpdir(), 'metaqueue-sigterm-'));
  });
  afterEach(async () => {
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['its own store', false],
    ["the app's TypeOrmModule DataSource", true],
  ])(
    'stores every record publish accepted before the process exits, each once, in %s',
    async (_, typeorm) => {
      const { report, resolvedIds } = await runLoadApp({
        store: db.store,
        dir,
        signal: 'SIGTERM',
        typeorm,
        // The last flush races TypeOrmModule's destroy() only while a write is under way.
        whileWriting: typeorm,
      });
      expect(report?.signal).toBe('SIGTERM');
      expect(resolvedIds.length).toBeGreaterThanOrEqual(5_000);
      expect(report?.accepted).toBe(resolvedIds.length);
      expect(report?.dropped).toEqual({ 'drop-newest': 0, 'drop-oldest': 0 });
      const rows = await db.query<{ id: string }>('SELECT id FROM metadata');
      expect(rows).toHaveLength(resolvedIds.length);
      expect(new Set(rows.map((r) => r.id))).toEqual(new Set(resolvedIds));
    },
  );
});
