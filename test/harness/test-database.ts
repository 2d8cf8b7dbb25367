import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import type { StoreOptions } from '../../src/lib/index.js';
import { createDataSource } from '../../src/lib/store/data-source.factory.js';

/**
 * The real server named by DATABASE_URL, if any: tests then run against it,
 * else on PGlite. The benchmarks need one. An empty one names none, as the
 * CLI reads it: a `DATABASE_URL= npm test` runs on PGlite throughout.
 */
export const serverUrl = process.env.DATABASE_URL || undefined;

/** The empty PGlite directory test/support/pglite-template.mjs keeps for Jest runs, if any. */
const pgliteTemplateVariable = 'METAQUEUE_TEST_PGLITE_TEMPLATE';

/** A row of table `metadata`, as SQL returns it. */
export interface MetadataRow {
  id: string;
  topic: string;
  name: string;
  location: string;
  context: string;
  data: unknown;
  published_at: Date;
  stored_at: Date;
}

/**
 * A database of the test's (or the benchmark's) own: a new database on the
 * server, or on PGlite one in memory, or with `{ reopen: true }` a data
 * directory, so the test can read it after the app has closed (or from
 * another process). Nothing is left behind once it is dropped. With
 * `{ embedded: true }` it is on PGlite even when DATABASE_URL names a server.
 *
 * Under Jest, a PGlite database is always a data directory: a copy of the
 * empty one made once per PGlite version (test/support/pglite-template.mjs), since
 * PGlite's initdb costs seconds per database and a copy a fraction of one
 * (see `pgliteDataDirOfOwn`). The store opens it as a user's existing
 * directory; tests of a new one (store-config.spec.ts) make it themselves.
 */
export interface TestDatabase {
  store: StoreOptions;
  /** Runs SQL on the database from a connection of its own. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

export async function createTestDatabase(
  options: { reopen?: boolean; embedded?: boolean } = {},
): Promise<TestDatabase> {
  if (serverUrl && !options.embedded) {
    const name = `metaqueue_test_${randomUUID().replaceAll('-', '')}`;
    await withClient(serverUrl, async (c) => void (await c.query(`CREATE DATABASE ${name}`)));
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    return {
      store: { url: url.toString() },
      query: (sql, params) =>
        withClient(url.toString(), async (c) => (await c.query<never>(sql, params)).rows),
      drop: () =>
        withClient(
          serverUrl,
          async (c) => void (await c.query(`DROP DATABASE ${name} WITH (FORCE)`)),
        ),
    };
  }
  const template = process.env[pgliteTemplateVariable];
  if (!options.reopen && !template) {
    return {
      store: { pglite: { inMemory: true } },
      query: () =>
        Promise.reject(
          new Error('An in-memory test database dies with its app: use { reopen: true }.'),
        ),
      drop: () => Promise.resolve(),
    };
  }
  const dataDir = pgliteDataDirOfOwn();
  const store: StoreOptions = { pglite: { dataDir } };
  let open: DataSource | undefined;
  return {
    store,
    // PGlite allows one process-local handle per directory: open it only once the app is closed.
    async query(sql, params) {
      open ??= await (await createDataSource(store)).dataSource.initialize();
      return open.query<never[]>(sql, params);
    },
    async drop() {
      await open?.destroy();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A PGlite data directory of the caller's own, which it removes: under Jest a
 * copy of the run's empty template, opened as an existing database is;
 * elsewhere an empty directory, which PGlite initializes when it opens it.
 */
export function pgliteDataDirOfOwn(): string {
  const dataDir = mkdtempSync(join(tmpdir(), 'metaqueue-pglite-'));
  const template = process.env[pgliteTemplateVariable];
  if (template) cpSync(template, dataDir, { recursive: true });
  return dataDir;
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
