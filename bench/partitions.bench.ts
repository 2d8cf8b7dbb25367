import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { metaqueueMigrations, MetadataStore, type MetadataRecord } from '../src/lib/index.js';
import { MetadataReads, type ReadCursor } from '../src/lib/store/reads/metadata-reads.js';
import { createDataSource } from '../src/lib/store/data-source.factory.js';
import { PartitionMetadata1764800000000 } from '../src/lib/store/migrations/1764800000000-partition-metadata.js';
import { resolveStoreLayout } from '../src/lib/store/partitions/store-layout.js';
import { bootReadsApp } from '../test/harness/heavy-reads.js';
import { createTestDatabase, type TestDatabase } from '../test/harness/test-database.js';
import { figure, interleave, type Figure } from './report.js';

const day = 86_400_000;
const batchSize = 5_000;
const ginIndex = `CREATE INDEX IF NOT EXISTS "metadata_data_idx" ON "metadata" USING gin ("data" jsonb_path_ops)`;

/** A database with metaqueue's schema: today's unpartitioned table, or the partitioned one. */
async function openDatabase(partitioned: boolean, retention?: '10d') {
  const db = await createTestDatabase();
  const { dataSource } = await createDataSource(db.store);
  // Today's table: every migration but the one that partitions it (named: it is not the last).
  if (!partitioned) {
    const unpartitioned = metaqueueMigrations.filter((m) => m !== PartitionMetadata1764800000000);
    dataSource.setOptions({ migrations: unpartitioned });
  }
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  const [{ relkind }] = await dataSource.query<{ relkind: string }[]>(
    `SELECT "relkind" FROM pg_class WHERE oid = 'metadata'::regclass`,
  );
  if ((relkind === 'p') !== partitioned) throw new Error(`table metadata has relkind ${relkind}`);
  const store = new MetadataStore(
    dataSource,
    'bench',
    true,
    true,
    resolveStoreLayout({ retention, partitionsAhead: 1 }),
  );
  return { db, dataSource, store };
}

/** Partitions for every day from `days` days ago to tomorrow. */
async function partitionsFor(store: MetadataStore, days: number, now: number): Promise<void> {
  for (let d = days; d >= 0; d--) await store.maintenance.createAhead(new Date(now - d * day));
}

/**
 * Fills an empty `metadata` with `rows` rows over the `days` days before
 * `now`, in one statement, with its key and indexes dropped meanwhile and
 * built again after: 10M rows through a key over random UUIDs took over 15
 * minutes, a bulk load's usual way a few. The table ends as it began.
 */
async function loadRows(dataSource: DataSource, rows: number, days: number, now: number) {
  const [keys, indexes] = await Promise.all([
    dataSource.query<{ name: string; def: string }[]>(
      `SELECT conname AS "name", pg_get_constraintdef(oid) AS "def"
       FROM pg_constraint WHERE conrelid = 'metadata'::regclass AND contype = 'p'`,
    ),
    dataSource.query<{ name: string; def: string }[]>(
      `SELECT i.indexrelid::regclass::text AS "name", pg_get_indexdef(i.indexrelid) AS "def"
       FROM pg_index i WHERE i.indrelid = 'metadata'::regclass AND NOT i.indisprimary`,
    ),
  ]);
  for (const { name } of keys)
    await dataSource.query(`ALTER TABLE "metadata" DROP CONSTRAINT "${name}"`);
  for (const { name } of indexes) await dataSource.query(`DROP INDEX ${name}`);
  await dataSource.query(
    `INSERT INTO "metadata" ("id", "topic", "name", "location", "context", "data", "published_at")
     SELECT gen_random_uuid(), 'topic_' || (i % 3), 'name_' || (i % 20), 'table_' || (i % 50), 'c',
       jsonb_build_object('rows', i, 'ok', true), to_timestamp(${now / 1000}) - (i * (interval '${days} days' / ${rows}))
     FROM generate_series(1, ${rows}) AS i`,
  );
  await dataSource.transaction(async (tx) => {
    await tx.query(`SET LOCAL maintenance_work_mem = '512MB'`);
    for (const { name, def } of keys)
      await tx.query(`ALTER TABLE "metadata" ADD CONSTRAINT "${name}" ${def}`);
    for (const { def } of indexes) await tx.query(def);
  });
  await dataSource.query(`ANALYZE "metadata"`);
}

/** The table's size on disk, indexes included: of every partition, if partitioned. */
async function sizeMb(dataSource: DataSource): Promise<number> {
  const [{ bytes }] = await dataSource.query<[{ bytes: string }]>(
    `SELECT (pg_total_relation_size('metadata') +
       coalesce((SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree('metadata') WHERE isleaf), 0))::text AS "bytes"`,
  );
  return Number(bytes) / 1024 / 1024;
}

/**
 * Table metadata partitioned, against today's unpartitioned table, in the
 * same run: ingest through the store (COPY) with the same indexes, and the
 * partitioned table without the GIN index against with it; dropping 30 days
 * of partitions against DELETE of the same rows (time, and table size
 * after); a one-day window of GET /metadata and of the board's series query,
 * p95, with partition pruning against without it. 10M rows at BENCH_SCALE=1.
 */
export async function partitionFigures(scale: number, runs: number): Promise<Figure[]> {
  const now = Date.now();
  const today = await openDatabase(false);
  const parted = await openDatabase(true, '10d');
  const dbs: TestDatabase[] = [today.db, parted.db];
  try {
    await partitionsFor(parted.store, 41, now);
    const figures: Figure[] = [];

    // Ingest: the same records, in batches as the broker writes them, into an empty table.
    const n = Math.max(20_000, Math.round(2_000_000 * scale));
    const records: MetadataRecord[] = Array.from({ length: n }, (_, i) => {
      const data = { rows: i, table: `table_${i % 50}`, ok: true };
      return {
        id: randomUUID(),
        topic: 'bench',
        name: `name_${i % 20}`,
        location: `db://warehouse/table_${i % 50}`,
        context: 'nightly import',
        data,
        json: JSON.stringify(data),
        publishedAt: new Date(now - day + (i * day) / n),
      };
    });
    const ingest =
      (target: { dataSource: DataSource; store: MetadataStore }, gin: boolean) => async () => {
        await target.dataSource.query(`TRUNCATE "metadata"`);
        await target.dataSource.query(gin ? ginIndex : `DROP INDEX IF EXISTS "metadata_data_idx"`);
        const started = performance.now();
        for (let i = 0; i < n; i += batchSize)
          await target.store.write(records.slice(i, i + batchSize));
        return n / ((performance.now() - started) / 1000);
      };
    const [intoToday, intoParted, intoPartedNoGin] = await interleave(
      runs,
      ingest(today, true),
      ingest(parted, true),
      ingest(parted, false),
    );
    figures.push(
      figure(
        "ingest into the partitioned table vs today's table (same indexes, GIN included)",
        'rows/s',
        intoParted,
        intoToday,
        { atLeast: 0.95 },
      ),
      figure(
        'ingest into the partitioned table without the GIN index (the default) vs with it',
        'rows/s',
        intoPartedNoGin,
        intoParted,
      ),
    );

    // Retention: 40 days of rows; the 30 oldest days go, by partition or by DELETE.
    const m = Math.max(50_000, Math.round(10_000_000 * scale));
    const horizon = new Date(Math.floor(now / day) * day - 10 * day);
    const sizes = { dropped: [] as number[], deleted: [] as number[] };
    const retention = (target: typeof today, partitioned: boolean) => async () => {
      await target.dataSource.query(`TRUNCATE "metadata"`);
      await target.dataSource.query(ginIndex);
      if (partitioned) await partitionsFor(target.store, 41, now);
      await loadRows(target.dataSource, m, 40, now);
      const started = performance.now();
      if (partitioned) await target.store.maintenance.dropExpired(new Date(now));
      else
        await target.dataSource.query(`DELETE FROM "metadata" WHERE "published_at" < $1`, [
          horizon,
        ]);
      const ms = performance.now() - started;
      (partitioned ? sizes.dropped : sizes.deleted).push(await sizeMb(target.dataSource));
      return ms;
    };
    const [dropMs, deleteMs] = await interleave(
      runs,
      retention(parted, true),
      retention(today, false),
    );
    figures.push(
      figure(
        `dropping 30 days of partitions vs DELETE of the same rows (${m} rows over 40 days)`,
        'ms',
        dropMs,
        deleteMs,
      ),
      figure(
        'table size after dropping the partitions vs after the DELETE',
        'MB',
        sizes.dropped,
        sizes.deleted,
      ),
    );

    // A one-day window over m rows: the SQL the app sends, with pruning and without.
    await parted.dataSource.query(`TRUNCATE "metadata"`);
    await partitionsFor(parted.store, 41, now);
    await loadRows(parted.dataSource, m, 40, now);
    const from = new Date(Math.floor(now / day) * day - 5 * day).toISOString();
    const to = new Date(Math.floor(now / day) * day - 4 * day).toISOString();
    const reads = await bootReadsApp(parted.db.store);
    const recorded = async (path: string) => {
      const sent: [string, unknown[]][] = [];
      const metadataReads = reads.app.get(MetadataReads);
      const { query, cursor } = metadataReads;
      // GET /metadata reads through a cursor, the board with plain queries: both are recorded.
      metadataReads.query = <T>(sql: string, params: unknown[], signal?: AbortSignal) => {
        sent.push([sql, params]);
        return query.call(metadataReads, sql, params, signal) as Promise<T[]>;
      };
      metadataReads.cursor = <T>(
        sql: string,
        params: unknown[],
        size: number,
        signal?: AbortSignal,
      ) => {
        sent.push([sql, params]);
        return cursor.call(metadataReads, sql, params, size, signal) as Promise<ReadCursor<T>>;
      };
      try {
        const response = await fetch(`${reads.url}${path}`);
        if (!response.ok) throw new Error(`${path}: ${response.status}`);
        await response.arrayBuffer();
      } finally {
        Object.assign(metadataReads, { query, cursor });
      }
      return sent;
    };
    const page = await recorded(`/metadata?from=${from}&to=${to}&limit=100`);
    const series = await recorded(`/board/api/series?name=name_3&from=${from}&to=${to}`);
    const [{ id }] = await parted.dataSource.query<[{ id: string }]>(
      `SELECT "id" FROM "metadata" WHERE "published_at" >= $1 AND "published_at" < $2 LIMIT 1`,
      [from, to],
    );
    const byId = await recorded(`/board/api/records/${id}`);
    const [{ partitions }] = await parted.dataSource.query<[{ partitions: number }]>(
      `SELECT count(*)::int AS "partitions" FROM pg_inherits WHERE inhparent = 'metadata'::regclass`,
    );
    // The same lookup had it the record's day: what a time in the key would let it prune to.
    const byIdInDay = byId.map(([sql, params]): [string, unknown[]] => [
      `${sql} AND "published_at" >= $2 AND "published_at" < $3`,
      [...params, from, to],
    ]);
    await reads.app.close();
    const client = new pg.Client({ connectionString: parted.db.store.url });
    await client.connect();
    try {
      const p95 = (queries: [string, unknown[]][], pruning: boolean) => async () => {
        await client.query(`SET enable_partition_pruning = ${pruning ? 'on' : 'off'}`);
        const times: number[] = [];
        for (let k = 0; k < 20; k++) {
          const started = performance.now();
          for (const [sql, params] of queries) await client.query(sql, params);
          times.push(performance.now() - started);
        }
        times.sort((a, b) => a - b);
        return times[Math.ceil(times.length * 0.95) - 1];
      };
      const [pagePruned, pageAll, seriesPruned, seriesAll, idAlone, idInDay] = await interleave(
        runs,
        p95(page, true),
        p95(page, false),
        p95(series, true),
        p95(series, false),
        p95(byId, true),
        p95(byIdInDay, true),
      );
      figures.push(
        figure(
          `GET /metadata, one day of ${m} rows over 40 days, p95: partitions pruned vs not`,
          'ms',
          pagePruned,
          pageAll,
        ),
        figure(
          `the board's series query, one day of ${m} rows, p95: partitions pruned vs not`,
          'ms',
          seriesPruned,
          seriesAll,
        ),
        figure(
          `a record by id (findOne, the board's GET /board/api/records/:id), ${m} rows in ${partitions} partitions, p95: by id alone (a probe per partition) vs with its day named`,
          'ms',
          idAlone,
          idInDay,
        ),
      );
    } finally {
      await client.end();
    }
    return figures;
  } finally {
    await today.dataSource.destroy();
    await parted.dataSource.destroy();
    for (const db of dbs) await db.drop();
  }
}
