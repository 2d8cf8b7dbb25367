// Jest's globalSetup and globalTeardown (see jest.config.js), plain JavaScript
// as Jest loads them outside its transform. One empty PGlite data directory is
// made per run, before any test file, and every PGlite database of a test is
// a copy of it (test/harness/test-database.ts): PGlite's initdb costs seconds
// per database, a copy a fraction of one. With DATABASE_URL set, the test
// databases are on the server, but the tests of PGlite itself still use it.
// Test files run in workers started after this, and inherit the variable.
import { PGlite } from '@electric-sql/pglite';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const variable = 'METAQUEUE_TEST_PGLITE_TEMPLATE';

export async function setup() {
  const dataDir = mkdtempSync(join(tmpdir(), 'metaqueue-pglite-template-'));
  await (await PGlite.create(dataDir)).close();
  process.env[variable] = dataDir;
}

export function teardown() {
  const dataDir = process.env[variable];
  if (dataDir?.includes('metaqueue-pglite-template-'))
    rmSync(dataDir, { recursive: true, force: true });
}
