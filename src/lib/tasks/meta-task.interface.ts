import type { Type } from '@nestjs/common';

/** Options of `@MetaTask()`. */
export interface MetaTaskOptions {
  /** How results and logs name the task. Default: the class name. */
  name?: string;
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
