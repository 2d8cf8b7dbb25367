import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { Test } from '@nestjs/testing';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  EngineRegistry,
  MetaqueueModule,
  MetaTask,
  MetaTaskScheduler,
  OpenMetricsFileConnector,
  TASK_RUNS_TOPIC,
  TaskRunner,
  type MetaqueueModuleOptions,
} from '../../src/lib/index.js';
import { createTestDatabase, serverUrl, type TestDatabase } from '../harness/test-database.js';

let calls = 0;

/** Fails every other run, so both statuses are recorded. */
@MetaTask({ name: 'flaky', every: 20 })
class FlakyTask {
  async run(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 2));
    if (++calls % 2 === 0) throw new Error(`call ${calls} failed`);
  }
}

interface RunRow {
  id: string;
  name: string;
  location: string;
  context: string;
  data: { status: string; durationSeconds: number; error?: string };
}

describe(`task run records (${serverUrl ? 'PostgreSQL' : 'PGlite'})`, () => {
  let db: TestDatabase;
  let dir: string;
  beforeEach(async () => {
    // The test reads the table after its app has closed.
    db = await createTestDatabase({ reopen: true });
    dir = mkdtempSync(join(tmpdir(), 'metaqueue-runs-'));
  });
  afterEach(async () => {
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function boot(options: MetaqueueModuleOptions) {
    @Module({
      imports: [
        ScheduleModule.forRoot(),
        MetaqueueModule.forRoot({
          topics: ['app'],
          store: db.store,
          connectors: [
            new OpenMetricsFileConnector({ samples: 'per-record', path: join(dir, 'log.txt') }),
          ],
          ...options,
        }),
      ],
      providers: [FlakyTask],
    })
    class AppModule {}
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    moduleRef.useLogger(false);
    return moduleRef.init();
  }

  it('every scheduled run is a record in the table and in the file, with its status', async () => {
    const app = await boot({});
    const scheduler = app.get(MetaTaskScheduler);
    while (scheduler.counters.flaky.runs < 4) await new Promise((r) => setTimeout(r, 10));
    await app.get(TaskRunner).run([FlakyTask]);
    await app.close();
    const runs = scheduler.counters.flaky.runs + 1;

    const rows = await db.query<RunRow>(
      `SELECT id, name, location, context, data FROM metadata WHERE topic = $1`,
      [TASK_RUNS_TOPIC],
    );
    expect(rows).toHaveLength(runs);
    expect(new Set(rows.map((r) => r.context)).size).toBe(runs);
    expect(rows.every((r) => r.name === 'metaqueue_task_run' && r.location === 'flaky')).toBe(true);
    const failed = rows.filter((r) => r.data.status === 'failed');
    const succeeded = rows.filter((r) => r.data.status === 'succeeded');
    expect(failed.length + succeeded.length).toBe(runs);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((r) => /^call \d+ failed$/.test(r.data.error!))).toBe(true);
    expect(succeeded.every((r) => r.data.error === undefined)).toBe(true);

    const file = readFileSync(join(dir, 'log.txt'), 'utf8');
    const fileIds = [...file.matchAll(/^metaqueue_task_run\{id="([^"]+)"/gm)].map((m) => m[1]);
    expect(new Set(fileIds)).toEqual(new Set(rows.map((r) => r.id)));
    expect(fileIds).toHaveLength(runs);
  });

  it('recordRuns: false records none, and has no run topic', async () => {
    const app = await boot({ recordRuns: false, schedule: false });
    expect(app.get(EngineRegistry).topics).toEqual(['app']);
    await app.get(TaskRunner).run([FlakyTask]);
    await app.close();
    expect(await db.query('SELECT id FROM metadata')).toEqual([]);
  });
});
