// Jest's globalSetup and globalTeardown (see jest.config.js), plain JavaScript
// as Jest loads them outside its transform. One empty PGlite data directory,
// made once per PGlite version and kept in node_modules/.cache, is the
// template every PGlite database of a test copies (test/harness/test-database.ts):
// PGlite's initdb costs seconds per database (6 s at the start of every run
// when it was made per run), a copy a fraction of one. With DATABASE_URL set,
// the test databases are on the server, but the tests of PGlite itself still
// use it. Test files run in workers started after this, and inherit the variable.
import { PGlite } from '@electric-sql/pglite';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const variable = 'METAQUEUE_TEST_PGLITE_TEMPLATE';
const cache = new URL('../../node_modules/.cache/metaqueue/', import.meta.url).pathname;

export async function setup() {
  const { version } = JSON.parse(
    readFileSync(new URL('../../node_modules/@electric-sql/pglite/package.json', import.meta.url)),
  );
  const template = join(cache, `pglite-template-${version}`);
  if (!existsSync(template)) {
    // Made aside and renamed into place: a run killed meanwhile leaves no half-made template.
    mkdirSync(cache, { recursive: true });
    const made = mkdtempSync(join(cache, 'pglite-template-making-'));
    await (await PGlite.create(made)).close();
    try {
      renameSync(made, template);
    } catch (error) {
      // Another run made it first.
      rmSync(made, { recursive: true, force: true });
      if (!existsSync(template)) throw error;
    }
  }
  process.env[variable] = template;
}
