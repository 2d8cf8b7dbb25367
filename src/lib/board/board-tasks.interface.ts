import type { TaskRunStatus } from '../tasks/claims/task-run-row.interface.js';
import type { TaskAlarm } from '../tasks/task-watch.js';

/**
 * Where the runs shown come from: the store's table `metaqueue_task_runs`,
 * Redis (the buffer's claims, kept 24 hours) or this process's claims alone
 * (`store: false` and no Redis: the last 1000 runs per task run here).
 */
export type BoardRunsSource = 'store' | 'redis' | 'local';

/** One run of a scheduled task: its row in `metaqueue_task_runs`. */
export interface BoardTaskRun {
  /** The run's id: the records it published carry it in `context`. */
  id: string;
  task: string;
  scheduledAt: string;
  startedAt: string;
  finishedAt: string | null;
  status: TaskRunStatus;
  durationSeconds: number | null;
  error: string | null;
  replica: string;
  recordsPublished: number;
}

/** One scheduled task, as the Tasks view shows it. */
export interface BoardTask {
  task: string;
  /** The schedule in words: `every 5 seconds`, `every day at 03:00 (Europe/Paris)`. */
  schedule: string;
  cron: string | null;
  every: number | null;
  timeZone: string | null;
  /** When the next tick is due (ISO 8601). */
  nextTickAt: string;
  /** The latest run (by its tick), whatever its status; `null` before the first. */
  lastRun: BoardTaskRun | null;
  /** Ticks this replica's watch judged missed, and runs it judged late, since it started. */
  missed: number;
  late: number;
  /** Each alarm raised now, and why. */
  alarms: Partial<Record<TaskAlarm, string>>;
}

/** What GET <path>/api/tasks returns. */
export interface BoardTasks {
  runsFrom: BoardRunsSource;
  tasks: BoardTask[];
}

/** What GET <path>/api/tasks/:task/runs returns: a page of runs, newest tick first. */
export interface BoardTaskRuns {
  task: string;
  runsFrom: BoardRunsSource;
  items: BoardTaskRun[];
  /** Pass as `cursor` for the next (older) page; `null` on the last. */
  nextCursor: string | null;
}
