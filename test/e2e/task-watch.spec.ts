import { Module } from '@nestjs/common';
import { ScheduleModule, SchedulerRegistry } from '@nestjs/schedule';
import { Test, type TestingModule } from '@nestjs/testing';
import {
  InjectEngine,
  MetaqueueHealthIndicator,
  MetaqueueMetrics,
  MetaqueueModule,
  MetaTask,
  MetaTaskScheduler,
  type MetadataEngine,
  type MetadataRecord,
  type MetaqueueModuleOptions,
} from '../../src/lib/index.js';
import { CapturingLogger } from '../support/capturing-logger.js';
import { createTestDatabase, serverUrl, type TestDatabase } from '../harness/test-database.js';
import { until } from '../support/until.js';

@MetaTask({ name: 'publishing', every: 100 })
class PublishingTask {
  constructor(@InjectEngine('jobs') private readonly engine: MetadataEngine<number>) {}
  async run(): Promise<void> {
    // One record with the run's id as context, one with a context of its own.
    await this.engine.publish({ data: 1, name: 'job', location: 'l' });
    await this.engine.publish({ data: 2, name: 'job', location: 'l', context: 'own' });
  }
}

@MetaTask({ name: 'broken', every: 100 })
class BrokenTask {
  run(): void {
    throw new Error('always broken');
  }
}

async function boot(
  providers: Function[],
  options: Partial<MetaqueueModuleOptions>,
  logger = new CapturingLogger(),
): Promise<TestingModule> {
  @Module({
    imports: [
      ScheduleModule.forRoot(),
      MetaqueueModule.forRoot({
        topics: ['jobs'],
        store: false,
        ...options,
        schedule: { graceMs: 300, checkIntervalMs: 50, replica: 'r1', ...(options.schedule || {}) },
      }),
    ],
    providers: providers as never[],
  })
  class AppModule {}
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
    .setLogger(logger)
    .compile();
  return moduleRef.init();
}

const sample = (body: string, series: string) =>
  new RegExp(`^${series.replace(/[{}"]/g, '\\$&')} (\\S+)$`, 'm').exec(body)?.[1];

describe('the watch of scheduled tasks', () => {
  let app: TestingModule | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('a job deleted at runtime is missed: logged, counted in /metrics, and the health names it', async () => {
    const logger = new CapturingLogger();
    app = await boot([PublishingTask], {}, logger);
    const scheduler = app.get(MetaTaskScheduler);
    const health = app.get(MetaqueueHealthIndicator);
    // A stalled event loop on a loaded machine can have the watch judge a tick
    // missed before its late claim came (a later run clears it): wait for the
    // health to be up, and for a miss after the deletion, raised and held.
    await until(
      () => scheduler.counters.publishing.runs >= 2 && health.isHealthy().metaqueue.status === 'up',
    );
    const missedBefore = scheduler.watchStates().publishing?.missedTotal ?? 0;
    app.get(SchedulerRegistry).deleteInterval('publishing');
    await until(() => {
      const state = scheduler.watchStates().publishing;
      return (state?.missedTotal ?? 0) > missedBefore && state?.alarms.missed !== undefined;
    });
    const down = health.isHealthy().metaqueue;
    expect(down.status).toBe('down');
    expect(down.tasksDown?.publishing).toMatch(/^missed: no replica ran its tick at /);
    expect(down.message).toMatch(/tasks down: publishing \(missed/);
    expect(
      logger.lines.some((l) => /Task publishing missed its tick at .*within 300 ms/.test(l)),
    ).toBe(true);
    const { body } = await app.get(MetaqueueMetrics).scrape();
    expect(
      Number(sample(body, 'metaqueue_task_missed_runs_total{task="publishing"}')),
    ).toBeGreaterThanOrEqual(1);
    const next = Number(
      sample(body, 'metaqueue_task_next_run_timestamp_seconds{task="publishing"}'),
    );
    expect(next * 1000).toBeGreaterThan(Date.now() - 1_000);
    expect((next * 1000) % 100).toBeCloseTo(0);
    expect(
      Number(sample(body, 'metaqueue_task_last_success_timestamp_seconds{task="publishing"}')),
    ).toBeGreaterThan(0);
    expect(
      Number(
        sample(
          body,
          'metaqueue_task_run_duration_seconds_count{task="publishing",status="succeeded"}',
        ),
      ),
    ).toBeGreaterThanOrEqual(2);
  });

  it('a task that fails every run is failing, in the health and in /metrics', async () => {
    app = await boot([BrokenTask], { schedule: { failingAfter: 2 } });
    const health = app.get(MetaqueueHealthIndicator);
    // Any alarm names the task; a stalled loop can raise another first.
    const scheduler = app.get(MetaTaskScheduler);
    await until(() => scheduler.watchStates().broken?.alarms.failing !== undefined);
    expect(health.isHealthy().metaqueue.tasksDown?.broken).toMatch(
      /failing: its last 2 runs failed: always broken/,
    );
    const { body } = await app.get(MetaqueueMetrics).scrape();
    expect(sample(body, 'metaqueue_task_failing{task="broken"}')).toBe('1');
    expect(
      Number(
        sample(body, 'metaqueue_task_last_run_timestamp_seconds{task="broken",status="failed"}'),
      ),
    ).toBeGreaterThan(0);
  });
});

describe(`run rows in the store (${serverUrl ? 'PostgreSQL' : 'PGlite'})`, () => {
  let db: TestDatabase;
  beforeEach(async () => (db = await createTestDatabase({ reopen: true })));
  afterEach(() => db.drop());

  it("each run is a row, and the records it published without context carry the run's id", async () => {
    const written: MetadataRecord[] = [];
    const app = await boot([PublishingTask], {
      store: db.store,
      connectors: [{ name: 'memory', write: async (records) => void written.push(...records) }],
    });
    await until(() => app.get(MetaTaskScheduler).counters.publishing.runs >= 3);
    await app.close();
    const rows = await db.query<{
      id: string;
      status: string;
      replica: string;
      records_published: number;
      duration_seconds: number;
      started_at: Date;
      finished_at: Date;
      scheduled_at: Date;
    }>(`SELECT * FROM metaqueue_task_runs WHERE task = 'publishing'`);
    const ran = rows.filter((r) => r.status === 'succeeded');
    expect(ran.length).toBeGreaterThanOrEqual(3);
    for (const run of ran) {
      expect(run).toMatchObject({ replica: 'r1', records_published: 2 });
      expect(run.scheduled_at.getTime() % 100).toBe(0);
      expect(run.finished_at.getTime()).toBeGreaterThanOrEqual(run.started_at.getTime());
      const records = written.filter((r) => r.topic === 'jobs' && r.context === run.id);
      expect(records.map((r) => r.data)).toEqual([1]);
    }
    expect(written.filter((r) => r.context === 'own')).toHaveLength(ran.length);
  });
});
