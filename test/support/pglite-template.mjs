// Jest's globalSetup and globalTeardown (see jest.config.js), plain JavaScript
// as Jest loads them outside its transform. On PGlite (DATABASE_URL unset),
// one empty data directory is made per run, before any test file, and every
// test database is a copy of it (test/harness/test-database.ts): PGlite's
// initdb costs seconds per database, a copy a fraction of one. Test files run
// in workers started after this, and inherit the variable.
import { PGlite } from '@electric-sql/pglite';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const variable = 'METAQUEUE_TEST_PGLITE_TEMPLATE';

export async function setup() {
  if (process.env.DATABASE_URL) return;
  const dataDir = mkdtempSync(join(tmpdir(), 'metaqueue-pglite-template-'));
  await (await PGlite.create(dataDir)).close();
  process.env[variable] = dataDir;
}

export function teardown() {
  const dataDir = process.env[variable];
  if (dataDir?.includes('metaqueue-pglite-template-'))
    rmSync(dataDir, { recursive: true, force: true });
}
