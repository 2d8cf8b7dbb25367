/** What became of a tick: `running` until the run ends. */
export type TaskRunStatus = 'running' | 'succeeded' | 'failed' | 'lost' | 'skipped-overlap';

/** One tick of a scheduled task, claimed: the run's row in `metaqueue_task_runs` (or Redis). */
export interface TaskRunRow {
  id: string;
  task: string;
  scheduledAt: Date;
  startedAt: Date;
  finishedAt?: Date;
  /** When a claim still `running` lapses, and the run becomes `lost`. */
  expiresAt: Date;
  status: TaskRunStatus;
  durationSeconds?: number;
  error?: string;
  /** The replica that claimed the tick. */
  replica: string;
  /** Records the run published (accepted by their engines). */
  recordsPublished: number;
}

/** A tick a replica asks to run. */
export interface TickRequest {
  task: string;
  scheduledAt: Date;
  replica: string;
  now: Date;
  maxRuntimeMs: number;
  /** Whether the run may start while an earlier run of the task goes on (anywhere in the fleet). */
  overlap: boolean;
  /** Whether this replica knows a run of the task under way here. */
  runningHere: boolean;
}

/** How a run ended. */
export interface RunOutcome {
  status: 'succeeded' | 'failed';
  finishedAt: Date;
  durationSeconds: number;
  error?: string;
  recordsPublished: number;
}

/**
 * Where the ticks of a fleet are claimed, once each: the store's table,
 * Redis, or (alone) this process.
 */
export interface TickClaims {
  readonly kind: 'store' | 'redis' | 'local';
  /**
   * Claims a tick. Resolves to its new row (`running`, or `skipped-overlap`
   * when an earlier run still goes on), or `undefined` when another replica
   * has it.
   */
  claim(tick: TickRequest): Promise<TaskRunRow | undefined>;
  /**
   * Keeps the claim of a run under way here until `expiresAt`: a claim its
   * runner stops renewing (it died) lapses, and the run becomes `lost`.
   */
  renew(run: TaskRunRow, expiresAt: Date): Promise<void>;
  /** Ends a run this replica claimed. */
  finish(run: TaskRunRow, outcome: RunOutcome): Promise<void>;
  /** Marks the runs of these tasks whose claim lapsed as `lost`; resolves to them. */
  expire(tasks: readonly string[], now: Date): Promise<TaskRunRow[]>;
  /** The runs of a task scheduled from `from` to `to`, both included, oldest first. */
  runs(task: string, from: Date, to: Date): Promise<TaskRunRow[]>;
  /** The runs of a task still `running`, oldest first. */
  running(task: string): Promise<TaskRunRow[]>;
  /** The latest `count` runs of a task, newest first. */
  latest(task: string, count: number): Promise<TaskRunRow[]>;
  close?(): Promise<void>;
}

/** The new row of a claimed tick. */
export function claimedRow(tick: TickRequest, id: string, overlapping: boolean): TaskRunRow {
  return {
    id,
    task: tick.task,
    scheduledAt: tick.scheduledAt,
    startedAt: tick.now,
    expiresAt: new Date(tick.now.getTime() + tick.maxRuntimeMs),
    status: overlapping ? 'skipped-overlap' : 'running',
    ...(overlapping && { finishedAt: tick.now, durationSeconds: 0 }),
    replica: tick.replica,
    recordsPublished: 0,
  };
}

/** The row of a run once it ended. */
export function finishedRow(run: TaskRunRow, outcome: RunOutcome): TaskRunRow {
  const { status, finishedAt, durationSeconds, error, recordsPublished } = outcome;
  return { ...run, status, finishedAt, durationSeconds, error, recordsPublished };
}
