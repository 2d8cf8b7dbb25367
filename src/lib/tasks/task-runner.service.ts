import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { MetaTaskError } from '../errors/metaqueue.errors.js';
import { errorMessages, logMessages } from '../metaqueue.messages.js';
import { describeError } from '../errors/describe-error.util.js';
import { describeType } from '../utils/describe-type.util.js';
import { MetaTaskExplorer } from './meta-task.explorer.js';
import { TaskRunRecorder } from './task-run.recorder.js';
import { runScope, type RunScope } from '../engine/run-scope.js';
import type { RunOutcome } from './claims/task-run-row.interface.js';
import type {
  DiscoveredTask,
  TaskArgs,
  TaskRef,
  TaskResult,
  TaskResults,
  TaskRunOptions,
} from './meta-task.interface.js';

/**
 * Runs `@MetaTask()` classes concurrently: the seed's `TaskRunner.run(funcs, args)`.
 * A failing task neither cancels the others nor is lost: its result says why,
 * and it is logged with the task's name.
 */
@Injectable()
export class TaskRunner {
  private readonly logger = new Logger(TaskRunner.name);

  constructor(
    private readonly explorer: MetaTaskExplorer,
    private readonly runs: TaskRunRecorder,
  ) {}

  /** Runs `tasks[i].run(...args[i])` for every i, concurrently; results in input order. */
  async run<const Tasks extends readonly TaskRef[]>(
    tasks: Tasks,
    args?: TaskArgs<Tasks>,
    options: TaskRunOptions = {},
  ): Promise<TaskResults<Tasks>> {
    if (args !== undefined && args.length !== tasks.length) {
      throw new MetaTaskError(errorMessages.argsMismatch(tasks.length, args.length));
    }
    const jobs = tasks.map((ref, i) => {
      const task = this.resolve(ref);
      const taskArgs: unknown = args?.[i] ?? [];
      if (!Array.isArray(taskArgs)) throw new MetaTaskError(errorMessages.argsNotArray(task.name));
      return { task, args: taskArgs };
    });
    return (await this.settle(jobs, options)) as TaskResults<Tasks>;
  }

  /** Runs every discovered task, without arguments. */
  runAll(options: TaskRunOptions = {}): Promise<TaskResult[]> {
    return this.settle(
      this.explorer.getAll().map((task) => ({ task, args: [] })),
      options,
    );
  }

  private resolve(ref: TaskRef): DiscoveredTask {
    const task = this.explorer.find(ref);
    if (!task) {
      const name = typeof ref === 'function' ? ref.name : describeType(ref);
      throw new MetaTaskError(errorMessages.unknownTask(name));
    }
    return task;
  }

  private async settle(
    jobs: { task: DiscoveredTask; args: unknown[] }[],
    { concurrency = Infinity }: TaskRunOptions,
  ): Promise<TaskResult[]> {
    if (!(concurrency === Infinity || (Number.isSafeInteger(concurrency) && concurrency > 0))) {
      throw new MetaTaskError(errorMessages.invalidConcurrency(concurrency));
    }
    const results = new Array<TaskResult>(jobs.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < jobs.length) {
        const i = next++;
        results[i] = withoutDuration(await this.runOne(jobs[i].task, jobs[i].args));
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, worker));
    return results;
  }

  /**
   * Runs a scheduled task's claimed tick as the run `runId`: what it publishes
   * without `context` carries the run's id, and is counted.
   */
  async runScheduled(task: DiscoveredTask, runId: string): Promise<RunOutcome> {
    const scope: RunScope = { runId, published: 0 };
    const result = await this.runOne(task, [], scope);
    return {
      status: result.status === 'fulfilled' ? 'succeeded' : 'failed',
      finishedAt: new Date(),
      durationSeconds: result.durationSeconds,
      ...(result.status === 'rejected' && { error: describeError(result.reason) }),
      recordsPublished: scope.published,
    };
  }

  private async runOne(
    task: DiscoveredTask,
    args: unknown[],
    scope: RunScope = { runId: randomUUID(), published: 0 },
  ): Promise<TaskResult & { durationSeconds: number }> {
    const { runId } = scope;
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    try {
      const value: unknown = await runScope.run(scope, () => task.instance.run(...args));
      const durationSeconds = seconds();
      await this.runs.record(task.name, runId, { status: 'succeeded', durationSeconds });
      return { task: task.name, status: 'fulfilled', value, durationSeconds };
    } catch (reason) {
      const durationSeconds = seconds();
      this.logger.error(
        logMessages.taskFailed(task.name),
        reason instanceof Error ? reason.stack : String(reason),
      );
      const error = describeError(reason);
      await this.runs.record(task.name, runId, { status: 'failed', durationSeconds, error });
      return { task: task.name, status: 'rejected', reason, durationSeconds };
    }
  }
}

/** The result as `run()` returns it: the duration is for scheduled runs' rows. */
function withoutDuration(result: TaskResult & { durationSeconds: number }): TaskResult {
  const copy: Partial<typeof result> = { ...result };
  delete copy.durationSeconds;
  return copy as TaskResult;
}
