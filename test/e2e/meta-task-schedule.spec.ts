import { Module } from '@nestjs/common';
import { ScheduleModule, SchedulerRegistry } from '@nestjs/schedule';
import { Test, type TestingModule } from '@nestjs/testing';
import {
  BrokerService,
  EngineClosedError,
  InjectEngine,
  MetaqueueConfigError,
  MetaqueueModule,
  MetaTask,
  MetaTaskScheduler,
  MetaqueueMetrics,
  type MetadataEngine,
  type MetadataRecord,
} from '../../src/lib/index.js';
import { CapturingLogger } from '../support/capturing-logger.js';
import { hangBound } from '../support/hang-bound.js';
import { until } from '../support/until.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** How many runs of a task are under way at once, at most. */
class Concurrency {
  now = 0;
  max = 0;
  async during(work: () => Promise<void>): Promise<void> {
    this.max = Math.max(this.max, ++this.now);
    try {
      await work();
    } finally {
      this.now--;
    }
  }
}
const slow = new Concurrency();
const overlapping = new Concurrency();
let cronRuns = 0;

@MetaTask({ name: 'fast', every: 20 })
class FastTask {
  constructor(@InjectEngine('runs') private readonly engine: MetadataEngine<number>) {}
  async run(): Promise<void> {
    await this.engine.publish({ data: 1, name: 'fast', location: 'l', context: 'c' });
  }
}

@MetaTask({ name: 'slow', every: 20 })
class SlowTask {
  run = () => slow.during(() => sleep(120));
}

@MetaTask({ name: 'overlapping', every: 20, overlap: true })
class OverlappingTask {
  run = () => overlapping.during(() => sleep(120));
}

@MetaTask({ name: 'each-second', cron: '* * * * * *' })
class CronTask {
  run(): void {
    cronRuns++;
  }
}

async function boot(providers: Function[], options = {}, logger = new CapturingLogger()) {
  @Module({
    imports: [
      ScheduleModule.forRoot(),
      MetaqueueModule.forRoot({ topics: ['runs'], store: false, ...options }),
    ],
    providers: providers as never[],
  })
  class AppModule {}
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
    .setLogger(logger)
    .compile();
  return moduleRef.init();
}

describe('@MetaTask schedules through @nestjs/schedule', () => {
  let app: TestingModule | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('registers each scheduled task in SchedulerRegistry under its name, and runs it', async () => {
    app = await boot([FastTask, CronTask]);
    const registry = app.get(SchedulerRegistry);
    expect(registry.getIntervals()).toEqual(['fast']);
    expect([...registry.getCronJobs().keys()]).toEqual(['each-second']);
    const scheduler = app.get(MetaTaskScheduler);
    await until(() => scheduler.counters.fast.runs >= 3 && cronRuns >= 1);
  });

  it('never overlaps a task with itself by default: the tick is skipped and counted', async () => {
    const logger = new CapturingLogger();
    app = await boot([SlowTask, OverlappingTask], {}, logger);
    const scheduler = app.get(MetaTaskScheduler);
    await until(() => scheduler.counters.slow.runs >= 2 && overlapping.max >= 2);
    expect(slow.max).toBe(1);
    expect(scheduler.counters.slow.skipped).toBeGreaterThan(0);
    expect(scheduler.counters.overlapping.skipped).toBe(0);
    expect(logger.lines.filter((l) => l.includes('Task slow was still running'))).toHaveLength(1);
    const { skipped } = scheduler.counters.slow;
    const { body } = await app.get(MetaqueueMetrics).scrape();
    const scraped = /^metaqueue_task_ticks_skipped_total\{task="slow"\} (\d+)$/m.exec(body)?.[1];
    expect(Number(scraped)).toBeGreaterThanOrEqual(skipped);
  });

  it('stops a task the user deletes from the registry', async () => {
    app = await boot([FastTask]);
    const scheduler = app.get(MetaTaskScheduler);
    await until(() => scheduler.counters.fast.runs >= 1);
    app.get(SchedulerRegistry).deleteInterval('fast');
    const runs = scheduler.counters.fast.runs;
    await sleep(100);
    expect(scheduler.counters.fast.runs).toBe(runs);
  });

  it('lets a run under way finish before the engines close, and stores what it published', async () => {
    let finished = false;
    @MetaTask({ name: 'closing', every: 10 })
    class ClosingTask {
      constructor(@InjectEngine('runs') private readonly engine: MetadataEngine<number>) {}
      async run(): Promise<void> {
        await sleep(200);
        await this.engine.publish({ data: 1, name: 'late', location: 'l', context: 'c' });
        finished = true;
      }
    }
    const written: string[] = [];
    app = await boot([ClosingTask], {
      connectors: [
        {
          name: 'memory',
          write: async (records: readonly MetadataRecord[]) =>
            void written.push(...records.map((r) => r.name)),
        },
      ],
    });
    await until(() => app!.get(MetaTaskScheduler).counters.closing.runs >= 1);
    const broker = app.get(BrokerService);
    await app.close();
    app = undefined;
    expect(finished).toBe(true);
    expect(written).toContain('late');
    expect(broker.counters.sinks.memory.unflushed).toBe(0);
  });

  it('waits no longer than schedule.shutdownTimeoutMs, and says which tasks still run', async () => {
    let outcome: unknown;
    // Still running until the test lets it go: long after the 50 ms, however slowly shutdown comes.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    @MetaTask({ name: 'stuck', every: 10 })
    class StuckTask {
      constructor(@InjectEngine('runs') private readonly engine: MetadataEngine<number>) {}
      async run(): Promise<void> {
        await released;
        outcome = await this.engine
          .publish({ data: 1, name: 'late', location: 'l', context: 'c' })
          .catch((error: unknown) => error);
      }
    }
    const logger = new CapturingLogger();
    app = await boot([StuckTask], { schedule: { shutdownTimeoutMs: 50 } }, logger);
    await until(() => app!.get(MetaTaskScheduler).counters.stuck.runs >= 1);
    const closing = app.close();
    const letGo = setTimeout(release, hangBound(1_000));
    await closing;
    app = undefined;
    expect(logger.lines.some((l) => /Tasks still running 50 ms .*: stuck\./.test(l))).toBe(true);
    clearTimeout(letGo);
    release();
    await until(() => outcome !== undefined);
    expect(outcome).toBeInstanceOf(EngineClosedError);
  });

  it('schedule: false schedules nothing', async () => {
    app = await boot([FastTask], { schedule: false });
    expect(app.get(SchedulerRegistry).getIntervals()).toEqual([]);
  });

  it('refuses to start without ScheduleModule.forRoot(), and a bad cron', async () => {
    const compile = async (providers: Function[], withSchedule: boolean) => {
      @Module({
        imports: [
          ...(withSchedule ? [ScheduleModule.forRoot()] : []),
          MetaqueueModule.forRoot({ topics: ['runs'], store: false }),
        ],
        providers: providers as never[],
      })
      class AppModule {}
      const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
      moduleRef.useLogger(false);
      return moduleRef.init().then(
        (m) => m.close(),
        async (error: unknown) => {
          await moduleRef.close();
          throw error;
        },
      );
    };
    await expect(compile([FastTask], false)).rejects.toThrow(/import ScheduleModule.forRoot\(\)/);
    @MetaTask({ cron: 'every tuesday' })
    class BadCron {
      run(): void {}
    }
    const error = await compile([BadCron], true).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MetaqueueConfigError);
    expect((error as Error).message).toMatch(/BadCron has cron "every tuesday"/);
  });
});
