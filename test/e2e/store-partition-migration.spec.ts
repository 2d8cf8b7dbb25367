import { performance } from 'node:perf_hooks';
import type { DataSource } from 'typeorm';
import { metaqueueMigrations } from '../../src/lib/index.js';
import { createDataSource } from '../../src/lib/store/data-source.factory.js';
import { PartitionMetadata1764800000000 } from '../../src/lib/store/migrations/1764800000000-partition-metadata.js';
import { createTestDatabase, serverUrl, type TestDatabase } from '../harness/test-database.js';

const backend = serverUrl ? 'PostgreSQL' : 'PGlite';
// docs/store.md gives the time measured with MIGRATION_ROWS=1000000 (the issue asks for 1M rows);
// the suite keeps to fewer, and PGlite, single-threaded in WASM, to fewer still.
const rows = Number(process.env.MIGRATION_ROWS ?? (serverUrl ? 100_000 : 20_000));

/** Every column of every row, in one figure: equal before and after means no row lost or changed. */
const fingerprint = `
  SELECT count(*)::int AS "rows",
    sum(hashtextextended(concat_ws('|', "id", "topic", "name", "location", "context", "data"::text,
      "published_at"::text, "stored_at"::text), 0))::text AS "sum"
  FROM "metadata"`;

describe(`the migration to a partitioned table, on ${backend}`, () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase({ reopen: true });
    ({ dataSource } = await createDataSource(db.store));
    // The schema before partitions: every migration up to the one under test.
    dataSource.setOptions({
      migrations: metaqueueMigrations.slice(
        0,
        metaqueueMigrations.indexOf(PartitionMetadata1764800000000),
      ),
    });
    await dataSource.initialize();
    await dataSource.runMigrations({ transaction: 'each' });
    // 30 days of records, and two with odd times.
    await dataSource.query(
      `INSERT INTO "metadata" ("id", "topic", "name", "location", "context", "data", "published_at")
       SELECT gen_random_uuid(), 'topic_' || (i % 3), 'name_' || (i % 20), 'table_' || (i % 50), 'c',
         jsonb_build_object('rows', i), timestamptz '2026-11-01T00:00:00Z' + (i * (interval '30 days' / $1::int))
       FROM generate_series(0, $1::int - 3) AS i`,
      [rows],
    );
    await dataSource.query(
      `INSERT INTO "metadata" ("id", "topic", "name", "location", "context", "data", "published_at")
       VALUES (gen_random_uuid(), 't', 'n', 'l', 'c', '1', '1970-01-01T00:00:00Z'),
              (gen_random_uuid(), 't', 'n', 'l', 'c', '2', '2999-12-31T23:59:59.999Z')`,
    );
  }, 600_000);
  async function upInTransaction(): Promise<void> {
    const runner = dataSource.createQueryRunner();
    await runner.startTransaction();
    try {
      await new PartitionMetadata1764800000000().up(runner);
      await runner.commitTransaction();
    } catch (error) {
      await runner.rollbackTransaction();
      throw error;
    } finally {
      await runner.release();
    }
  }

  afterAll(async () => {
    if (dataSource?.isInitialized) await dataSource.destroy();
    await db?.drop();
  });

  it(`moves a table of ${rows} rows without losing or changing one, and a rerun changes nothing`, async () => {
    const [before] = await dataSource.query<[{ rows: number; sum: string }]>(fingerprint);
    expect(before.rows).toBe(rows);

    // Meanwhile, on the server, what the migration locks, seen from another connection.
    const locks = new Set<string>();
    let migrating = true;
    const watching = serverUrl
      ? (async () => {
          while (migrating) {
            const held = await db.query<{ lock: string }>(
              `SELECT c.relname || ' ' || l.mode AS "lock" FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
               WHERE l.granted AND l.pid <> pg_backend_pid() AND c.relname IN ('metadata', 'metadata_unpartitioned')`,
            );
            for (const { lock } of held) locks.add(lock);
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
        })()
      : Promise.resolve();
    // As runMigrations({ transaction: 'each' }) runs it: in a transaction of its own.
    const started = performance.now();
    await upInTransaction();
    const seconds = (performance.now() - started) / 1000;
    migrating = false;
    await watching;
    console.log(
      `migrated ${rows} rows on ${backend} in ${seconds.toFixed(1)} s; locks held on metadata: ${[...locks].join(', ') || '(not sampled)'}`,
    );

    const [after] = await dataSource.query<[{ rows: number; sum: string }]>(fingerprint);
    expect(after).toEqual(before);
    const [{ kind }] = await dataSource.query<[{ kind: string }]>(
      `SELECT "relkind" AS "kind" FROM pg_class WHERE oid = 'metadata'::regclass`,
    );
    expect(kind).toBe('p');
    // One partition per day that held records (30, and the two odd days); none left in the default one.
    const [{ partitions, inDefault }] = await dataSource.query<
      [{ partitions: number; inDefault: number }]
    >(
      `SELECT (SELECT count(*)::int FROM pg_inherits WHERE inhparent = 'metadata'::regclass AND inhrelid <> 'metadata_default'::regclass) AS "partitions",
              (SELECT count(*)::int FROM "metadata_default") AS "inDefault"`,
    );
    expect(partitions).toBe(32);
    expect(inDefault).toBe(0);
    if (serverUrl) expect([...locks]).toContain('metadata AccessExclusiveLock');

    // Safe to rerun: up() again, as an app moving the store into its own DataSource does.
    await upInTransaction();
    expect((await dataSource.query<[{ rows: number; sum: string }]>(fingerprint))[0]).toEqual(
      before,
    );
  }, 900_000);

  it('a copy cut short (run without a transaction) is finished by a rerun', async () => {
    // As if the process died after the rename and part of the copy: old rows in
    // metadata_unpartitioned, some of them already in the partitioned table.
    await dataSource.query(`CREATE TABLE "metadata_unpartitioned" (LIKE "metadata")`);
    await dataSource.query(
      `INSERT INTO "metadata_unpartitioned" SELECT * FROM "metadata" ORDER BY "published_at" LIMIT 1000`,
    );
    const [before] = await dataSource.query<[{ rows: number; sum: string }]>(fingerprint);
    await dataSource.query(
      `DELETE FROM "metadata" WHERE "id" IN (SELECT "id" FROM "metadata_unpartitioned" LIMIT 500)`,
    );
    const runner = dataSource.createQueryRunner();
    try {
      await new PartitionMetadata1764800000000().up(runner);
    } finally {
      await runner.release();
    }
    expect((await dataSource.query<[{ rows: number; sum: string }]>(fingerprint))[0]).toEqual(
      before,
    );
    const [{ left }] = await dataSource.query<[{ left: boolean }]>(
      `SELECT to_regclass('metadata_unpartitioned') IS NOT NULL AS "left"`,
    );
    expect(left).toBe(false);
  });
});
