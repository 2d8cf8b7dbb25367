import type { Type } from '@nestjs/common';

/** Options of `@MetaTask()`. */
export interface MetaTaskOptions {
  /** How results, logs, run records and `SchedulerRegistry` name the task. Default: the class name. */
  name?: string;
  /**
   * Run on this cron schedule (six fields with seconds, or five), through
   * @nestjs/schedule: the app imports `ScheduleModule.forRoot()`.
   */
  cron?: string;
  /** Time zone of `cron`, e.g. `'Europe/Paris'`. Default: the process's. */
  timeZone?: string;
  /** Run every this many milliseconds, through @nestjs/schedule. */
  every?: number;
  /**
   * Let a tick start a run while the previous one goes on. Default `false`:
   * such a tick is skipped, and counted.
   */
  overlap?: boolean;
  /**
   * How long after its scheduled time a tick may start and still be on time;
   * past it, the watch reports the tick `missed` (no replica claimed it) or
   * the run `late`. Default `schedule.graceMs`, else a quarter of the
   * interval, and at least 5000 ms.
   */
  graceMs?: number;
  /**
   * A run going on longer than this is `overrunning`; a claim its replica
   * stopped renewing (it died) lapses this long after its last renewal, and
   * the run becomes `lost`. Default `schedule.maxRuntimeMs` (10 minutes).
   */
  maxRuntimeMs?: number;
}

/** What a `@MetaTask()` class implements. */
export interface MetaTaskRunnable {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  run(...args: any[]): unknown;
}

/** A `@MetaTask()` provider found at startup. */
export interface DiscoveredTask {
  name: string;
  instance: MetaTaskRunnable;
  options: MetaTaskOptions;
}

/** What the scheduler did with a scheduled task's ticks. */
export interface ScheduledTaskCounters {
  /** Ticks that started a run. */
  runs: number;
  /** Ticks that came while the previous run went on, and did not start one. */
  skipped: number;
  /** Ticks another replica of the fleet claimed first, and ran. */
  claimedElsewhere: number;
}

/** One task's outcome, shaped like `Promise.allSettled()`'s, plus the task's name. */
export type TaskResult<V = unknown> =
  | { task: string; status: 'fulfilled'; value: V }
  | { task: string; status: 'rejected'; reason: unknown };

export interface TaskRunOptions {
  /** The most tasks running at once. Default: all of them. */
  concurrency?: number;
}

/** A task class, or its instance. */
export type TaskRef = Type<MetaTaskRunnable> | MetaTaskRunnable;

type RunMethod<R> =
  R extends Type<infer I extends MetaTaskRunnable>
    ? I['run']
    : R extends MetaTaskRunnable
      ? R['run']
      : never;

/** One argument list per task, typed from each task's `run()`. */
export type TaskArgs<Tasks extends readonly TaskRef[]> = {
  [K in keyof Tasks]: Parameters<RunMethod<Tasks[K]>>;
};

/** One result per task, in input order. */
export type TaskResults<Tasks extends readonly TaskRef[]> = {
  -readonly [K in keyof Tasks]: TaskResult<Awaited<ReturnType<RunMethod<Tasks[K]>>>>;
};
