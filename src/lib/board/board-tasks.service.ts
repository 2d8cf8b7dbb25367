import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { httpMessages } from '../metaqueue.messages.js';
import { runColumns, toRun, type TaskRunDbRow } from '../tasks/claims/store-tick-claims.js';
import type { TaskRunRow } from '../tasks/claims/task-run-row.interface.js';
import { scheduleInWords } from '../tasks/schedule-in-words.js';
import type {
  BoardTask,
  BoardTaskRun,
  BoardTaskRuns,
  BoardTasks,
} from './board-tasks.interface.js';
import { BoardSources } from './board-sources.js';
import { boardLimits } from './board.constants.js';

// One index probe per task on the (task, scheduled_at) key: its latest tick.
const lastRuns = `
  SELECT r.* FROM unnest($1::text[]) AS t(task)
  CROSS JOIN LATERAL (
    SELECT ${runColumns} FROM "metaqueue_task_runs"
    WHERE "task" = t.task ORDER BY "scheduled_at" DESC LIMIT 1
  ) AS r`;

// Keyset pages on the same key: a tick's time is unique within its task.
const runsPage = `
  SELECT ${runColumns} FROM "metaqueue_task_runs"
  WHERE "task" = $1 AND ($2::timestamptz IS NULL OR "scheduled_at" < $2)
  ORDER BY "scheduled_at" DESC LIMIT $3`;

/**
 * The Tasks view: every scheduled task with its schedule, its watch and its
 * latest run, and each task's runs. Runs are read where the fleet claims
 * them: the store's table through the board's read path (apart from the
 * writes), or else the scheduler's claims (Redis, or this process alone).
 */
@Injectable()
export class BoardTasksService {
  constructor(private readonly sources: BoardSources) {}

  async tasks(signal?: AbortSignal): Promise<BoardTasks> {
    const { scheduler } = this.sources;
    const schedules = scheduler.schedules();
    const states = scheduler.watchStates();
    const names = schedules.map(({ task }) => task.name);
    const latest = new Map<string, TaskRunRow>();
    if (this.fromStore) {
      const rows = await this.sources.requireReads().query<TaskRunDbRow>(lastRuns, [names], signal);
      for (const row of rows.map(toRun)) latest.set(row.task, row);
    } else {
      for (const name of names) {
        const [run] = await scheduler.claims.latest(name, 1);
        if (run) latest.set(name, run);
      }
    }
    const now = Date.now();
    return {
      runsFrom: scheduler.claims.kind,
      tasks: schedules.map(({ task, schedule }): BoardTask => {
        const state = states[task.name];
        const { cron, every, timeZone } = task.options;
        const last = latest.get(task.name);
        return {
          task: task.name,
          schedule: scheduleInWords(task.options),
          cron: cron ?? null,
          every: every ?? null,
          timeZone: timeZone ?? null,
          nextTickAt: new Date(schedule.next(now)).toISOString(),
          lastRun: last ? boardRun(last) : null,
          missed: state?.missedTotal ?? 0,
          late: state?.lateTotal ?? 0,
          alarms: { ...state?.alarms },
        };
      }),
    };
  }

  async runs(
    task: string,
    query: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<BoardTaskRuns> {
    const { scheduler } = this.sources;
    if (!scheduler.schedules().some((s) => s.task.name === task)) {
      throw new NotFoundException(httpMessages.unknownTask(task));
    }
    const limit = runsLimit(query.limit);
    const before = runsCursor(query.cursor);
    for (const name of Object.keys(query)) {
      if (!['limit', 'cursor'].includes(name)) {
        throw new BadRequestException(httpMessages.unknownParameter(name, ['limit', 'cursor']));
      }
    }
    let runs: TaskRunRow[];
    if (this.fromStore) {
      const rows = await this.sources
        .requireReads()
        .query<TaskRunDbRow>(runsPage, [task, before ?? null, limit + 1], signal);
      runs = rows.map(toRun);
    } else if (before === undefined) {
      runs = await scheduler.claims.latest(task, limit + 1);
    } else {
      // Redis keeps a day of runs, a process 1000: a span of them, oldest first.
      const older = await scheduler.claims.runs(task, new Date(0), new Date(before.getTime() - 1));
      runs = older.slice(-(limit + 1)).reverse();
    }
    const items = runs.slice(0, limit);
    return {
      task,
      runsFrom: scheduler.claims.kind,
      items: items.map(boardRun),
      nextCursor: runs.length > limit ? items[items.length - 1].scheduledAt.toISOString() : null,
    };
  }

  /** Whether runs are rows of the store's table, read through the board's read path. */
  private get fromStore(): boolean {
    return this.sources.scheduler.claims.kind === 'store';
  }
}

function boardRun(run: TaskRunRow): BoardTaskRun {
  return {
    id: run.id,
    task: run.task,
    scheduledAt: run.scheduledAt.toISOString(),
    startedAt: run.startedAt.toISOString(),
    finishedAt: run.finishedAt?.toISOString() ?? null,
    status: run.status,
    durationSeconds: run.durationSeconds ?? null,
    error: run.error ?? null,
    replica: run.replica,
    recordsPublished: run.recordsPublished,
  };
}

function runsLimit(value: unknown): number {
  const limit = value ?? String(boardLimits.runsPageSize);
  const n = typeof limit === 'string' && /^\d+$/.test(limit) ? Number(limit) : NaN;
  if (!(n >= 1 && n <= boardLimits.maxRunsPageSize)) {
    throw new BadRequestException(httpMessages.invalidLimit(limit, boardLimits.maxRunsPageSize));
  }
  return n;
}

/** A runs cursor is the last tick of the previous page, as that page gave it. */
function runsCursor(value: unknown): Date | undefined {
  if (value === undefined) return undefined;
  const at = typeof value === 'string' ? new Date(value) : new Date(NaN);
  if (Number.isNaN(at.getTime()) || at.toISOString() !== value) {
    throw new BadRequestException(httpMessages.invalidCursor());
  }
  return at;
}
