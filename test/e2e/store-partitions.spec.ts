import type { TestingModule } from '@nestjs/testing';
import { randomUUID } from 'node:crypto';
import {
  BrokerService,
  getEngineToken,
  MetadataStore,
  type MetadataEngine,
  type MetadataRecord,
  type StoreOptions,
} from '../../src/lib/index.js';
import { bootMetaqueue } from '../support/boot.js';
import { createTestDatabase, serverUrl, type TestDatabase } from '../harness/test-database.js';

const backend = serverUrl ? 'PostgreSQL' : 'PGlite';
const sorted = (ids: Iterable<string>) => [...ids].sort();
const day = 86_400_000;

describe(`partitions and retention of table metadata, on ${backend}`, () => {
  let db: TestDatabase;
  let app: TestingModule | undefined;

  beforeEach(async () => (db = await createTestDatabase({ reopen: true })));
  afterEach(async () => {
    await app?.close();
    app = undefined;
    await db.drop();
  });

  const boot = async (layout: Partial<StoreOptions> = {}) => {
    app = await bootMetaqueue({
      topics: ['jobs', 'audit'],
      store: { ...db.store, ...layout },
      broker: { flushIntervalMs: 3_600_000 },
    });
    return {
      jobs: app.get<MetadataEngine>(getEngineToken('jobs')),
      audit: app.get<MetadataEngine>(getEngineToken('audit')),
      store: app.get(MetadataStore),
      broker: app.get(BrokerService),
    };
  };

  const partitions = async (store: MetadataStore) =>
    (
      await store.dataSource.query<{ name: string }[]>(
        `SELECT c.relname AS "name" FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = 'metadata'::regclass ORDER BY 1`,
      )
    ).map((r) => r.name);

  /** Where each stored id is: its partition, by id. */
  const placed = async (store: MetadataStore) =>
    new Map(
      (
        await store.dataSource.query<{ id: string; partition: string }[]>(
          `SELECT "id", tableoid::regclass::text AS "partition" FROM "metadata"`,
        )
      ).map((r) => [r.id, r.partition]),
    );

  /** `count` records of `engine`, published at the times `at` gives. */
  const recordsAt = async (engine: MetadataEngine, count: number, at: (i: number) => Date) => {
    const template = (await engine.publish({ data: 0, name: 'n', location: 'l', context: 'c' }))!;
    return Array.from({ length: count }, (_, i): MetadataRecord => ({
      ...template,
      id: randomUUID(),
      publishedAt: at(i),
    }));
  };

  const ymd = (time: number) => new Date(time).toISOString().slice(0, 10).replaceAll('-', '');

  it('makes the partitions of today and the days ahead at startup, and counts them', async () => {
    const { store } = await boot({ partitionsAhead: 2 });
    const today = Date.now();
    const names = await partitions(store);
    for (const offset of [0, 1, 2])
      expect(names).toContain(`metadata_d${ymd(today + offset * day)}`);
    expect(names).toContain('metadata_default');
    expect(store.maintenance.counters.partitionsCreated).toBeGreaterThanOrEqual(3);
    // A second run finds them made.
    const made = store.maintenance.counters.partitionsCreated;
    await store.maintenance.run();
    expect(store.maintenance.counters.partitionsCreated).toBe(made);
  });

  it('makes month partitions with partition: month', async () => {
    const { store } = await boot({ partition: 'month', partitionsAhead: 1 });
    const now = new Date();
    const month = (offset: number) =>
      new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 1)).getTime();
    expect(await partitions(store)).toEqual(
      expect.arrayContaining([`metadata_m${ymd(month(0))}`, `metadata_m${ymd(month(1))}`]),
    );
  });

  it('stores a record of any time: one no partition covers goes to the default partition', async () => {
    const { jobs, store } = await boot();
    const odd = await recordsAt(jobs, 3, (i) => new Date(Date.UTC(1999, 0, 1 + i)));
    expect(await store.write(odd)).toEqual({ deadLettered: [], alreadyWritten: 0 });
    const where = await placed(store);
    for (const r of odd) expect(where.get(r.id)).toBe('metadata_default');
  });

  it('a batch retried across a partition boundary is stored once: its records keep their time, so the retry meets their rows, even where a partition was made meanwhile', async () => {
    const { jobs, store } = await boot({ partitionsAhead: 0 });
    // Half before today's midnight, half after it: the second half's day has no partition yet.
    const midnight = Date.UTC(
      new Date().getUTCFullYear(),
      new Date().getUTCMonth(),
      new Date().getUTCDate() + 1,
    );
    const batch = await recordsAt(jobs, 1_000, (i) => new Date(midnight + (i - 500) * 7));
    expect(await store.write(batch)).toEqual({ deadLettered: [], alreadyWritten: 0 });
    const before = await placed(store);
    const tomorrow = `metadata_d${ymd(midnight)}`;
    expect(batch.filter((r) => before.get(r.id) === 'metadata_default')).toHaveLength(500);

    // Tomorrow's partition is made: the 500 records move into it from the default partition.
    await store.maintenance.run(new Date(midnight + 1));
    const after = await placed(store);
    expect(batch.filter((r) => after.get(r.id) === tomorrow)).toHaveLength(500);

    // The reply was lost: the broker writes the same batch again, and again.
    expect(await store.write(batch)).toEqual({ deadLettered: [], alreadyWritten: 1_000 });
    expect(await store.write(batch.slice(400, 600))).toEqual({
      deadLettered: [],
      alreadyWritten: 200,
    });
    // Each id once: the table's id set is the batch's (the template record still waits in its queue).
    const ids = await store.dataSource.query<{ id: string }[]>(`SELECT "id" FROM "metadata"`);
    expect(sorted(ids.map((r) => r.id))).toEqual(sorted(batch.map((r) => r.id)));
  });

  it('retention drops whole partitions past the horizon, never the default partition nor a newer one, and counts them', async () => {
    const { jobs, store } = await boot({ retention: '3d', partitionsAhead: 0 });
    const now = Date.now();
    // Partitions of the ten days before today, as the maintenance of those days made them.
    for (let d = 10; d >= 1; d--) await store.maintenance.createAhead(new Date(now - d * day));
    const old = await recordsAt(jobs, 100, (i) => new Date(now - (1 + (i % 10)) * day));
    // Times no partition covers, in the default partition: past the horizon, and ahead of it.
    const odd = await recordsAt(jobs, 2, () => new Date(Date.UTC(1999, 0, 1)));
    const ahead = await recordsAt(jobs, 1, () => new Date(Date.UTC(2100, 0, 1)));
    await store.write([...old, ...odd, ...ahead]);
    const dropped = store.maintenance.counters.partitionsDropped;
    const expired = store.maintenance.counters.defaultRowsExpired;

    await store.maintenance.run(new Date(now));
    const names = await partitions(store);
    // A day's partition goes once its end is 3 days past: days -10 to -4 go, -3 to -1 stay.
    for (let d = 10; d >= 4; d--) expect(names).not.toContain(`metadata_d${ymd(now - d * day)}`);
    for (let d = 3; d >= 1; d--) expect(names).toContain(`metadata_d${ymd(now - d * day)}`);
    expect(names).toContain('metadata_default');
    expect(store.maintenance.counters.partitionsDropped - dropped).toBe(7);
    // The default partition's records past the horizon are deleted, the one ahead kept.
    expect(store.maintenance.counters.defaultRowsExpired - expired).toBe(2);
    // The records of the days kept, and the one ahead in the default partition, and no others.
    const keptDays = new Set([1, 2, 3].map((d) => ymd(now - d * day)));
    const expected = [...ahead, ...old.filter((r) => keptDays.has(ymd(r.publishedAt.getTime())))];
    expect(sorted((await placed(store)).keys())).toEqual(sorted(expected.map((r) => r.id)));
  });

  it('with retention as a function of the topic, a partition goes once every topic in it is past its horizon', async () => {
    const horizons: Record<string, '2d' | '5d'> = { jobs: '2d', audit: '5d' };
    const { jobs, audit, store } = await boot({
      retention: (topic) => horizons[topic],
      partitionsAhead: 0,
    });
    const now = Date.now();
    for (let d = 6; d >= 1; d--) await store.maintenance.createAhead(new Date(now - d * day));
    // Day -4: jobs only; day -3: jobs and audit.
    const jobsOnly = await recordsAt(jobs, 10, () => new Date(now - 4 * day));
    const both = [
      ...(await recordsAt(jobs, 10, () => new Date(now - 3 * day))),
      ...(await recordsAt(audit, 10, () => new Date(now - 3 * day))),
    ];
    await store.write([...jobsOnly, ...both]);
    await store.maintenance.run(new Date(now));
    const names = await partitions(store);
    expect(names).not.toContain(`metadata_d${ymd(now - 4 * day)}`);
    expect(names).toContain(`metadata_d${ymd(now - 3 * day)}`);
    expect(sorted((await placed(store)).keys())).toEqual(sorted(both.map((r) => r.id)));
  });

  it("the default partition's records go by their own topic's horizon", async () => {
    const horizons: Record<string, '2d' | '5d'> = { jobs: '2d', audit: '5d' };
    const { jobs, audit, store } = await boot({
      retention: (topic) => horizons[topic],
      partitionsAhead: 0,
    });
    const now = Date.now();
    // No partition covers three days ago: these wait in the default partition.
    const jobsOld = await recordsAt(jobs, 4, () => new Date(now - 3 * day));
    const auditOld = await recordsAt(audit, 4, () => new Date(now - 3 * day));
    await store.write([...jobsOld, ...auditOld]);
    await store.maintenance.run(new Date(now));
    expect(sorted((await placed(store)).keys())).toEqual(sorted(auditOld.map((r) => r.id)));
    expect(store.maintenance.counters.defaultRowsExpired).toBe(4);
  });

  it('dead letters have their own horizon: older ones are deleted, newer ones kept', async () => {
    const { jobs, store } = await boot({ deadLetterRetention: '7d' });
    const [oldOne, newOne] = await recordsAt(jobs, 2, () => new Date());
    await store.keepDeadLetter(oldOne, 'refused', 'store');
    await store.keepDeadLetter(newOne, 'refused', 'store');
    await store.dataSource.query(
      `UPDATE "metadata_dead_letter" SET "failed_at" = now() - interval '8 days' WHERE "id" = $1`,
      [oldOne.id],
    );
    await store.maintenance.run();
    const left = await store.dataSource.query<{ id: string }[]>(
      `SELECT "id" FROM "metadata_dead_letter"`,
    );
    expect(left.map((r) => r.id)).toEqual([newOne.id]);
    expect(store.maintenance.counters.deadLettersExpired).toBe(1);
  });

  it('task runs have their own horizon: older ones are deleted, never one still running', async () => {
    const { store } = await boot({ taskRunRetention: '30d' });
    /** A run's row, scheduled `daysAgo` days ago, as the tick claims leave it; its id. */
    const run = async (status: string, daysAgo: number) => {
      const at = new Date(Date.now() - daysAgo * day);
      const [{ id }] = await store.dataSource.query<[{ id: string }]>(
        `INSERT INTO "metaqueue_task_runs" ("id", "task", "scheduled_at", "started_at", "expires_at", "status", "replica")
         VALUES ($1, 'nightly', $2, $2, $2, $3, 'replica-1') RETURNING "id"`,
        [randomUUID(), at, status],
      );
      return id;
    };
    const ids = async () =>
      sorted(
        (
          await store.dataSource.query<{ id: string }[]>(`SELECT "id" FROM "metaqueue_task_runs"`)
        ).map((r) => r.id),
      );
    await run('succeeded', 40);
    await run('failed', 31);
    const stuck = await run('running', 45);
    const recent = await run('succeeded', 29);
    await store.maintenance.run();
    expect(await ids()).toEqual(sorted([stuck, recent]));
    expect(store.maintenance.counters.taskRunsExpired).toBe(2);
  });

  it('the GIN index on data is made only when store.indexes asks for it, and dropped when it no longer does', async () => {
    const index = async (store: MetadataStore) =>
      (
        await store.dataSource.query<{ exists: boolean }[]>(
          `SELECT to_regclass('metadata_data_idx') IS NOT NULL AS "exists"`,
        )
      )[0].exists;
    let { store } = await boot();
    expect(await index(store)).toBe(false);
    await app!.close();
    ({ store } = await boot({ indexes: ['data'] }));
    expect(await index(store)).toBe(true);
    // Every partition has its part of it.
    const [{ missing }] = await store.dataSource.query<{ missing: number }[]>(
      `SELECT count(*)::int AS "missing" FROM pg_inherits i
       WHERE i.inhparent = 'metadata'::regclass AND NOT EXISTS (
         SELECT 1 FROM pg_index x JOIN pg_am a ON a.oid = (SELECT relam FROM pg_class WHERE oid = x.indexrelid)
         WHERE x.indrelid = i.inhrelid AND a.amname = 'gin')`,
    );
    expect(missing).toBe(0);
    await app!.close();
    ({ store } = await boot({ indexes: [] }));
    expect(await index(store)).toBe(false);
  });
});
