import { ChildApp } from '../harness/child-app.js';
import { createTestDatabase, type TestDatabase } from '../harness/test-database.js';
import { describeOnServer } from '../support/describe-on-server.js';
import { until } from '../support/until.js';

interface RunRow {
  id: string;
  scheduled_at: Date;
  status: string;
  replica: string;
  records_published: number;
}

const everyMs = 250;
const maxRuntimeMs = 1_000;

/** A replica: a Node process of its own, on the shared database. */
function replica(db: TestDatabase, name: string): ChildApp {
  return ChildApp.start('test/harness/task-replica-app.ts', {
    env: {
      METAQUEUE_TEST_STORE: JSON.stringify(db.store),
      METAQUEUE_TEST_REPLICA: name,
      METAQUEUE_TEST_EVERY_MS: String(everyMs),
      METAQUEUE_TEST_RUN_MS: '100',
      METAQUEUE_TEST_MAX_RUNTIME_MS: String(maxRuntimeMs),
      METAQUEUE_TEST_GRACE_MS: '2000',
    },
  });
}

/** The run ids a replica said it started. */
const started = (app: ChildApp) =>
  app.lines.filter((l) => l.startsWith('started ')).map((l) => l.slice('started '.length));

describeOnServer('three replicas on one schedule (PostgreSQL)', () => {
  let db: TestDatabase;
  let apps: ChildApp[] = [];
  beforeEach(async () => (db = await createTestDatabase()));
  afterEach(async () => {
    await Promise.all(apps.map((app) => app.stop('SIGKILL').catch(() => undefined)));
    apps = [];
    await db.drop();
  });

  it('runs every tick exactly once, counted from the runs table, across a replica SIGKILL', async () => {
    // The first replica makes the tables; then the others start beside it.
    apps = [replica(db, 'a')];
    await apps[0].waitForLine('ready');
    apps.push(replica(db, 'b'), replica(db, 'c'));
    await Promise.all(apps.slice(1).map((app) => app.waitForLine('ready')));
    // The first one ran alone while the others booted on the same cores: a tick its
    // loop slept through then is a miss of that load, not of the fleet. Judged from here.
    const upAt = Date.now();
    const rows = () =>
      db.query<RunRow>(
        `SELECT id, scheduled_at, status, replica, records_published FROM metaqueue_task_runs ORDER BY scheduled_at`,
      );
    // Each replica has run at least one tick: all three compete.
    await until(async () => new Set((await rows()).map((r) => r.replica)).size === 3);

    // Kill one mid-run: its tick is left `running`, and lapses into `lost`.
    const victim = apps[1];
    const [killedRun] = await new Promise<string[]>((resolve) =>
      victim.onLine((line) => line.startsWith('started ') && resolve([line.slice(8)])),
    );
    victim.signal('SIGKILL');
    await victim.exit();
    await until(async () => (await rows()).find((r) => r.id === killedRun)?.status === 'lost');
    const lostAt = (await rows()).find((r) => r.id === killedRun)!.scheduled_at;
    // Ticks after it run elsewhere.
    await until(async () =>
      (await rows()).some((r) => r.scheduled_at > lostAt && r.status === 'succeeded'),
    );
    await Promise.all([apps[0], apps[2]].map((app) => app.stop('SIGTERM')));

    const table = await rows();
    const ticks = table.map((r) => r.scheduled_at.getTime());
    // One row per tick, and no tick between the first judged and the last without one.
    expect(new Set(ticks).size).toBe(ticks.length);
    const judged = ticks.filter((t) => t >= Math.ceil(upAt / everyMs) * everyMs);
    expect(judged).toHaveLength((judged.at(-1)! - judged[0]) / everyMs + 1);
    // Every run the replicas started is a row of theirs, and was started once.
    const runs = apps.flatMap((app) => started(app));
    expect(new Set(runs).size).toBe(runs.length);
    const ran = table.filter((r) => r.status !== 'skipped-overlap');
    expect(new Set(runs)).toEqual(new Set(ran.map((r) => r.id)));
    expect(table.find((r) => r.id === killedRun)).toMatchObject({ status: 'lost', replica: 'b' });
    const after = table.filter((r) => r.scheduled_at > lostAt && r.status === 'succeeded');
    expect(after.every((r) => r.replica !== 'b')).toBe(true);
    expect(
      ran.filter((r) => r.status === 'succeeded').every((r) => r.records_published === 1),
    ).toBe(true);
    const statuses: Record<string, number> = {};
    for (const { status } of table) statuses[status] = (statuses[status] ?? 0) + 1;
    process.stdout.write(
      `three replicas: ${table.length} ticks, ${runs.length} runs started, ${Object.entries(
        statuses,
      )
        .map(([status, n]) => `${status}=${n}`)
        .join(' ')}\n`,
    );
  });
});
