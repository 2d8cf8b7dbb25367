import { Logger } from '@nestjs/common';
import type { MetaTaskExplorer } from '../../../src/lib/tasks/meta-task.explorer.js';
import {
  EngineRegistry,
  MetaTaskError,
  TASK_RUN_RECORD_NAME,
  TASK_RUNS_TOPIC,
  TaskRunner,
  type TaskRunData,
} from '../../../src/lib/index.js';
import { TaskRunRecorder } from '../../../src/lib/tasks/task-run.recorder.js';

beforeAll(() => {
  Logger.overrideLogger(false);
});

class Sum {
  async run(a: number, b: number) {
    return a + b;
  }
}
class Fails {
  async run() {
    throw new Error('broken');
  }
}
class Slow {
  running = 0;
  most = 0;
  async run() {
    this.most = Math.max(this.most, ++this.running);
    await new Promise((r) => setTimeout(r, 5));
    this.running--;
  }
}
class NotATask {
  async run() {}
}

/** The engines of the run records, as MetaqueueModule registers them by default. */
const runRecords = () => new EngineRegistry([{ topic: TASK_RUNS_TOPIC, dtype: 'json' }]);

function runnerWith(...instances: object[]) {
  return runnerRecordingTo(runRecords(), ...instances);
}

function runnerRecordingTo(engines: EngineRegistry, ...instances: object[]) {
  const tasks = new Map(
    instances.map((i) => [i.constructor, { name: i.constructor.name, instance: i }]),
  );
  const explorer = {
    find: (t: Function | object) => tasks.get(typeof t === 'function' ? t : t.constructor),
    getAll: () => [...tasks.values()],
  } as unknown as MetaTaskExplorer;
  return new TaskRunner(explorer, new TaskRunRecorder(engines, {}));
}

describe('TaskRunner', () => {
  it('records every run: task name as location, run id as context, status, duration, error', async () => {
    const engines = runRecords();
    const runner = runnerRecordingTo(engines, new Sum(), new Fails());
    await runner.run([Sum, Fails, Sum], [[1, 2], [], [3, 4]]);
    const records = engines.get<TaskRunData>(TASK_RUNS_TOPIC).take();
    expect(records.map((r) => [r.name, r.location, r.data.status])).toEqual([
      [TASK_RUN_RECORD_NAME, 'Sum', 'succeeded'],
      [TASK_RUN_RECORD_NAME, 'Fails', 'failed'],
      [TASK_RUN_RECORD_NAME, 'Sum', 'succeeded'],
    ]);
    expect(new Set(records.map((r) => r.context)).size).toBe(3);
    for (const r of records) {
      expect(r.context).toMatch(/^[0-9a-f-]{36}$/);
      expect(r.data.durationSeconds).toBeGreaterThanOrEqual(0);
    }
    expect(records[1].data.error).toBe('broken');
    expect(records[0].data).not.toHaveProperty('error');
  });

  it('runs tasks with their arguments; results in input order, a failure does not stop the others', async () => {
    const runner = runnerWith(new Sum(), new Fails());
    const results = await runner.run([Sum, Fails, Sum], [[1, 2], [], [3, 4]]);
    expect(results[0]).toEqual({ task: 'Sum', status: 'fulfilled', value: 3 });
    expect(results[1]).toMatchObject({ task: 'Fails', status: 'rejected' });
    expect((results[1] as { reason: Error }).reason.message).toBe('broken');
    expect(results[2]).toEqual({ task: 'Sum', status: 'fulfilled', value: 7 });
  });

  it('keeps to the concurrency it is given', async () => {
    const slow = new Slow();
    const runner = runnerWith(slow);
    await runner.run(
      Array.from({ length: 12 }, () => Slow),
      undefined,
      { concurrency: 3 },
    );
    expect(slow.most).toBe(3);
  });

  it('refuses what it cannot run, with clear errors', async () => {
    const runner = runnerWith(new Sum());
    await expect(runner.run([NotATask])).rejects.toThrow(MetaTaskError);
    await expect(runner.run([NotATask])).rejects.toThrow(
      /NotATask is not a @MetaTask\(\) provider/,
    );
    await expect(runner.run([Sum], [] as never)).rejects.toThrow(
      /got 1 tasks but 0 argument lists/,
    );
    await expect(runner.run([Sum], [5] as never)).rejects.toThrow(/must be an array/);
    await expect(runner.run([Sum], undefined, { concurrency: 0 })).rejects.toThrow(
      /concurrency must be a positive integer/,
    );
  });

  it('runAll() runs every discovered task without arguments', async () => {
    const runner = runnerWith(new Fails(), new Slow());
    const results = await runner.runAll();
    expect(results.map((r) => [r.task, r.status])).toEqual([
      ['Fails', 'rejected'],
      ['Slow', 'fulfilled'],
    ]);
  });
});
