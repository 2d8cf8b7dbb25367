import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLoadApp } from '../support/run-load-app.js';
import { createTestDatabase, serverUrl, type TestDatabase } from '../support/test-database.js';

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

  it('stores every record publish accepted before the process exits, each once', async () => {
    const { report, resolvedIds } = await runLoadApp({ store: db.store, dir, signal: 'SIGTERM' });
    expect(report?.signal).toBe('SIGTERM');
    expect(resolvedIds.length).toBeGreaterThanOrEqual(5_000);
    expect(report?.accepted).toBe(resolvedIds.length);
    expect(report?.dropped).toEqual({ 'drop-newest': 0, 'drop-oldest': 0 });
    const rows = await db.query<{ id: string }>('SELECT id FROM metadata');
    expect(rows).toHaveLength(resolvedIds.length);
    expect(new Set(rows.map((r) => r.id))).toEqual(new Set(resolvedIds));
  }, 60_000);
});
