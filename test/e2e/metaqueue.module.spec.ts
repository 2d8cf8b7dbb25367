import { jest } from '@jest/globals';
import { Inject, Injectable, Logger, Module, Scope } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  DuplicateTopicError,
  EngineRegistry,
  getEngineToken,
  InjectEngine,
  MetadataEngine,
  MetaqueueConfigError,
  MetaqueueModule,
  MetaTask,
  MetaTaskError,
  TaskRunner,
  type MetaqueueModuleOptions,
} from '../../src/lib/index.js';

enum Topic {
  Rows = 'rows',
  Status = 'status',
}

@MetaTask()
class ImportTask {
  constructor(@InjectEngine(Topic.Rows) private readonly rows: MetadataEngine<number>) {}

  async run(table: string, count: number): Promise<number> {
    for (let i = 1; i <= count; i++) {
      await this.rows.publish({
        data: i,
        name: 'rows_imported',
        location: table,
        context: 'import',
      });
    }
    return count;
  }
}

@MetaTask({ name: 'status-check' })
class CheckTask {
  constructor(@InjectEngine(Topic.Status) private readonly status: MetadataEngine<string>) {}

  async run(target = 'api'): Promise<string> {
    await this.status.publish({
      data: 'ok',
      name: 'check_status',
      location: target,
      context: 'check',
    });
    return 'ok';
  }
}

@MetaTask()
class FailingTask {
  run(): Promise<never> {
    return Promise.reject(new Error('disk on fire'));
  }
}

const topics = [{ topic: Topic.Rows, dtype: 'integer' as const, bufferSize: 100 }, Topic.Status];

async function boot(extraProviders: unknown[] = []) {
  const moduleRef = await Test.createTestingModule({
    imports: [MetaqueueModule.forRoot({ topics, store: false })],
    providers: [ImportTask, CheckTask, FailingTask, ...(extraProviders as [])],
  }).compile();
  return moduleRef.init();
}

describe('MetaqueueModule', () => {
  it('registers one engine per topic, injectable by token and by @InjectEngine', async () => {
    const app = await boot();
    const rows = app.get<MetadataEngine<number>>(getEngineToken(Topic.Rows));
    expect(rows).toBeInstanceOf(MetadataEngine);
    expect(rows.topic).toBe('rows');
    expect(rows.capacity).toBe(100);
    expect(app.get<MetadataEngine>(getEngineToken('status')).capacity).toBe(10_000);
    // And the built-in topic of the task run records.
    expect(app.get(EngineRegistry).topics).toEqual(['rows', 'status', 'metaqueue_task_runs']);
    await app.close();
  });

  it('runs tasks concurrently with their arguments; results in input order; failures reported by name', async () => {
    const app = await boot();
    const errorLog = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const runner = app.get(TaskRunner);
    const results = await runner.run(
      [ImportTask, FailingTask, CheckTask],
      [['users', 5], [], ['db']],
    );
    expect(results).toEqual([
      { task: 'ImportTask', status: 'fulfilled', value: 5 },
      { task: 'FailingTask', status: 'rejected', reason: new Error('disk on fire') },
      { task: 'status-check', status: 'fulfilled', value: 'ok' },
    ]);
    expect(errorLog).toHaveBeenCalledWith(
      'Task FailingTask failed',
      expect.stringContaining('disk on fire'),
    );
    errorLog.mockRestore();

    const rows = app.get<MetadataEngine<number>>(getEngineToken(Topic.Rows));
    expect(rows.counters).toMatchObject({ published: 5, accepted: 5 });
    expect(rows.take().map((r) => [r.data, r.location])).toEqual(
      [1, 2, 3, 4, 5].map((n) => [n, 'users']),
    );
    const status = app.get<MetadataEngine<string>>(getEngineToken(Topic.Status));
    expect(status.take()).toEqual([
      expect.objectContaining({ data: 'ok', location: 'db', topic: 'status' }),
    ]);
    await app.close();
  });

  it('runAll runs every discovered task; a concurrency limit is honoured', async () => {
    const app = await boot();
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const results = await app.get(TaskRunner).runAll({ concurrency: 1 });
    expect(results.map((r) => [r.task, r.status]).sort()).toEqual([
      ['FailingTask', 'rejected'],
      ['ImportTask', 'fulfilled'],
      ['status-check', 'fulfilled'],
    ]);
    jest.restoreAllMocks();

    let running = 0;
    let peak = 0;
    @MetaTask()
    class SlowTask {
      async run(): Promise<void> {
        peak = Math.max(peak, ++running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
      }
    }
    const app2 = await boot([SlowTask]);
    const slow = Array.from({ length: 6 }, () => SlowTask);
    await app2.get(TaskRunner).run(slow, undefined, { concurrency: 2 });
    expect(peak).toBe(2);
    await expect(
      app2.get(TaskRunner).run([SlowTask], undefined, { concurrency: 0 }),
    ).rejects.toThrow('TaskRunner concurrency must be a positive integer, received 0.');
    await Promise.all([app.close(), app2.close()]);
  });

  it('rejects unknown tasks and mismatched arguments with a clear error', async () => {
    class NotATask {
      run() {}
    }
    const app = await boot();
    const runner = app.get(TaskRunner);
    await expect(runner.run([NotATask])).rejects.toThrow(
      'NotATask is not a @MetaTask() provider of this application',
    );
    await expect(runner.run([ImportTask, CheckTask], [['x', 1]] as never)).rejects.toThrow(
      'TaskRunner.run() got 2 tasks but 1 argument lists',
    );
    await app.close();
  });

  it('fails at startup on a @MetaTask without run(), naming the class', async () => {
    @MetaTask()
    class Runless {}
    await expect(boot([Runless])).rejects.toThrow(
      new MetaTaskError(
        'Runless is marked @MetaTask() but has no run() method: add an async run(...args).',
      ),
    );
  });

  it('fails at startup on a request-scoped @MetaTask', async () => {
    @MetaTask()
    @Injectable({ scope: Scope.REQUEST })
    class Scoped {
      run() {}
    }
    await expect(boot([Scoped])).rejects.toThrow(
      'Scoped is marked @MetaTask() but is request- or transient-scoped',
    );
  });

  it('fails at import on a duplicate topic, naming it', () => {
    expect(() => MetaqueueModule.forRoot({ topics: ['rows', { topic: 'rows' }] })).toThrow(
      new DuplicateTopicError('rows'),
    );
    expect(() => MetaqueueModule.forRoot({ topics: [''] })).toThrow(MetaqueueConfigError);
  });

  it('fails at import on a topic PostgreSQL could not store, saying why', () => {
    expect(() => MetaqueueModule.forRoot({ topics: ['a\u0000b'] })).toThrow(
      /no NUL character \(\\u0000\), which PostgreSQL cannot store/,
    );
  });

  it('fails at startup on bad queue settings, naming the topic', async () => {
    const compile = Test.createTestingModule({
      imports: [
        MetaqueueModule.forRoot({ topics: [{ topic: 'rows', bufferSize: -1 }], store: false }),
      ],
    }).compile();
    await expect(compile).rejects.toThrow("Topic 'rows': Invalid queue option bufferSize=-1");
  });

  it('fails at startup when an engine is injected for an undeclared topic, naming it', async () => {
    @MetaTask()
    class Orphan {
      constructor(@InjectEngine('ghost') readonly ghost: MetadataEngine) {}
      run() {}
    }
    await expect(boot([Orphan])).rejects.toThrow(/metaqueue:engine:ghost/);
    const app = await boot();
    expect(() => app.get(EngineRegistry).get('ghost')).toThrow(
      "Topic 'ghost' was never declared: declare it in MetaqueueModule.forRoot({ topics }) (declared: 'rows', 'status', 'metaqueue_task_runs').",
    );
    await app.close();
  });

  describe('forRootAsync', () => {
    @Injectable()
    class MetaqueueConfig {
      createMetaqueueOptions(): MetaqueueModuleOptions {
        return { queueDefaults: { bufferSize: 7 }, store: false };
      }
    }
    @Module({ providers: [MetaqueueConfig], exports: [MetaqueueConfig] })
    class ConfigModule {}

    it.each([
      [
        'useFactory',
        MetaqueueModule.forRootAsync({
          topics: ['a', { topic: 'b', bufferSize: 2 }],
          imports: [ConfigModule],
          inject: [MetaqueueConfig],
          useFactory: (config: MetaqueueConfig) => config.createMetaqueueOptions(),
        }),
      ],
      [
        'useClass',
        MetaqueueModule.forRootAsync({
          topics: ['a', { topic: 'b', bufferSize: 2 }],
          useClass: MetaqueueConfig,
        }),
      ],
      [
        'useExisting',
        MetaqueueModule.forRootAsync({
          topics: ['a', { topic: 'b', bufferSize: 2 }],
          imports: [ConfigModule],
          useExisting: MetaqueueConfig,
        }),
      ],
    ])('%s resolves the options; topic settings still win', async (_kind, metaqueueModule) => {
      const app = await Test.createTestingModule({ imports: [metaqueueModule] }).compile();
      await app.init();
      expect(app.get<MetadataEngine>(getEngineToken('a')).capacity).toBe(7);
      expect(app.get<MetadataEngine>(getEngineToken('b')).capacity).toBe(2);
      await app.close();
    });

    it('needs a factory, a class or an existing provider', () => {
      expect(() => MetaqueueModule.forRootAsync({ topics: ['a'] })).toThrow(
        'MetaqueueModule.forRootAsync() needs one of useFactory, useClass or useExisting.',
      );
    });
  });

  it('isGlobal makes engines and the runner injectable in every module', async () => {
    @Injectable()
    class Consumer {
      constructor(
        @InjectEngine('g') readonly engine: MetadataEngine,
        @Inject(TaskRunner) readonly runner: TaskRunner,
      ) {}
    }
    @Module({ providers: [Consumer] })
    class FeatureModule {}
    const app = await Test.createTestingModule({
      imports: [
        MetaqueueModule.forRoot({ topics: ['g'], isGlobal: true, store: false }),
        FeatureModule,
      ],
    }).compile();
    expect(app.get(Consumer).engine.topic).toBe('g');
    await app.close();
  });

  it('two applications in one process share no queues and no counters', async () => {
    const [a, b] = await Promise.all([boot(), boot()]);
    const rowsA = a.get<MetadataEngine<number>>(getEngineToken(Topic.Rows));
    const rowsB = b.get<MetadataEngine<number>>(getEngineToken(Topic.Rows));
    expect(rowsA).not.toBe(rowsB);
    await a.get(TaskRunner).run([ImportTask], [['t', 3]]);
    expect(rowsA.size).toBe(3);
    expect(rowsB.size).toBe(0);
    expect(rowsB.counters.published).toBe(0);
    await Promise.all([a.close(), b.close()]);
  });

  it('app.close() leaves no handles open', async () => {
    const before = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap');
    const app = await boot();
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    await app.get(TaskRunner).runAll();
    jest.restoreAllMocks();
    await app.close();
    const after = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap');
    expect(after).toEqual(before);
  });
});
