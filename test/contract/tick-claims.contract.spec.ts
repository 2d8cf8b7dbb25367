import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../../src/lib/store/data-source.factory.js';
import { LocalTickClaims } from '../../src/lib/tasks/claims/local-tick-claims.js';
import { RedisTickClaims } from '../../src/lib/tasks/claims/redis-tick-claims.js';
import { StoreTickClaims } from '../../src/lib/tasks/claims/store-tick-claims.js';
import type { TickClaims, TickRequest } from '../../src/lib/tasks/claims/task-run-row.interface.js';
import { createTestDatabase, serverUrl, type TestDatabase } from '../harness/test-database.js';
import { hasRedisServer, RedisServer } from '../harness/redis-server.js';

/**
 * One contract for every place ticks are claimed: the store's table (on the
 * server named by DATABASE_URL, else PGlite), Redis, and the process alone.
 */
interface Kind {
  name: string;
  open(): Promise<{ claims: TickClaims; close(): Promise<void> }>;
}

const kinds: Kind[] = [
  {
    name: 'local',
    open: () => Promise.resolve({ claims: new LocalTickClaims(), close: () => Promise.resolve() }),
  },
  {
    name: `store (${serverUrl ? 'PostgreSQL' : 'PGlite'})`,
    async open() {
      const db: TestDatabase = await createTestDatabase();
      const { dataSource } = await createDataSource(db.store);
      const ds: DataSource = await dataSource.initialize();
      await ds.runMigrations({ transaction: 'each' });
      return {
        claims: new StoreTickClaims(ds),
        async close() {
          await ds.destroy();
          await db.drop();
        },
      };
    },
  },
  ...(hasRedisServer
    ? [
        {
          name: 'redis',
          async open() {
            const server = await new RedisServer().start();
            const claims = new RedisTickClaims(server.url, undefined, `claims:${randomUUID()}:`);
            return {
              claims,
              async close() {
                await claims.close();
                await server.remove();
              },
            };
          },
        },
      ]
    : []),
];

// An hour ahead of the real clock, on a whole minute: Redis keeps real TTLs, which a renewal
// computes from these times, so a fixed date would make them lapse at once once it has passed.
const t0 = Math.floor(Date.now() / 60_000) * 60_000 + 3_600_000;
const tick = (more: Partial<TickRequest> = {}): TickRequest => ({
  task: 'report',
  scheduledAt: new Date(t0),
  replica: 'a',
  now: new Date(t0 + 5),
  maxRuntimeMs: 1_000,
  overlap: false,
  runningHere: false,
  ...more,
});

describe.each(kinds)('tick claims: $name', (kind) => {
  let claims: TickClaims;
  let close: () => Promise<void>;
  beforeEach(async () => ({ claims, close } = await kind.open()));
  afterEach(() => close());

  it('claims a tick once: the first replica gets its row, every other gets nothing', async () => {
    const first = await claims.claim(tick());
    const results = await Promise.all(
      ['b', 'c', 'd'].map((replica) => claims.claim(tick({ replica }))),
    );
    expect(first).toMatchObject({ task: 'report', status: 'running', replica: 'a' });
    expect(first!.scheduledAt).toEqual(new Date(t0));
    expect(results).toEqual([undefined, undefined, undefined]);
    // Another task's tick at the same time is its own.
    expect(await claims.claim(tick({ task: 'other', replica: 'b' }))).toMatchObject({
      status: 'running',
    });
  });

  it('a tick while an earlier run goes on, anywhere, is claimed as skipped-overlap', async () => {
    // Redis lets a claim lapse after maxRuntimeMs of real time: a slow machine must not see it go.
    await claims.claim(tick({ maxRuntimeMs: 60_000 }));
    const next = tick({ scheduledAt: new Date(t0 + 100), now: new Date(t0 + 105), replica: 'b' });
    expect(await claims.claim(next)).toMatchObject({ status: 'skipped-overlap', replica: 'b' });
    const overlapping = { ...next, scheduledAt: new Date(t0 + 200), overlap: true };
    expect(await claims.claim(overlapping)).toMatchObject({ status: 'running' });
    // This replica's own run, which the claim alone could not see.
    const here = tick({ task: 'solo', runningHere: true });
    expect(await claims.claim(here)).toMatchObject({ status: 'skipped-overlap' });
  });

  it('ends a run with its outcome, and reads runs back by time, running and latest', async () => {
    const run = (await claims.claim(tick()))!;
    expect(await claims.running('report')).toEqual([expect.objectContaining({ id: run.id })]);
    await claims.finish(run, {
      status: 'failed',
      finishedAt: new Date(t0 + 50),
      durationSeconds: 0.045,
      error: 'boom',
      recordsPublished: 3,
    });
    const later = (await claims.claim(
      tick({ scheduledAt: new Date(t0 + 1_000), now: new Date(t0 + 1_001) }),
    ))!;
    expect(await claims.running('report')).toEqual([expect.objectContaining({ id: later.id })]);
    const runs = await claims.runs('report', new Date(t0), new Date(t0 + 999));
    expect(runs).toEqual([
      expect.objectContaining({
        id: run.id,
        status: 'failed',
        error: 'boom',
        durationSeconds: 0.045,
        recordsPublished: 3,
        finishedAt: new Date(t0 + 50),
      }),
    ]);
    expect((await claims.latest('report', 5)).map((r) => r.id)).toEqual([later.id, run.id]);
  });

  it('a claim not renewed lapses after maxRuntimeMs, and the run is lost; a renewed one holds', async () => {
    const dead = (await claims.claim(tick()))!;
    const alive = (await claims.claim(tick({ task: 'alive' })))!;
    await claims.renew(alive, new Date(t0 + 5_000));
    expect(await claims.expire(['report', 'alive'], new Date(t0 + 900))).toEqual([]);
    const lost = await claims.expire(['report', 'alive'], new Date(t0 + 1_010));
    expect(lost).toEqual([expect.objectContaining({ id: dead.id, status: 'lost', replica: 'a' })]);
    expect(await claims.expire(['report', 'alive'], new Date(t0 + 1_020))).toEqual([]);
    expect(await claims.running('report')).toEqual([]);
    expect((await claims.running('alive')).map((r) => r.id)).toEqual([alive.id]);
    // A lost run frees the schedule: the next tick runs.
    const next = tick({ scheduledAt: new Date(t0 + 2_000), now: new Date(t0 + 2_001) });
    expect(await claims.claim(next)).toMatchObject({ status: 'running' });
  });
});
