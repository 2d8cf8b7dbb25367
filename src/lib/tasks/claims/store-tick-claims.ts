import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type {
  RunOutcome,
  TaskRunRow,
  TaskRunStatus,
  TickClaims,
  TickRequest,
} from './task-run-row.interface.js';

/** The columns of a run's row, in the order `toRun` reads them. */
export const runColumns = `"id", "task", "scheduled_at", "started_at", "finished_at", "expires_at", "status", "duration_seconds", "error", "replica", "records_published"`;

// One statement: the unique key on (task, scheduled_at) lets one replica in; the
// status says whether an earlier run still goes on anywhere in the fleet.
const claimTick = `
  INSERT INTO "metaqueue_task_runs" (${runColumns})
  SELECT $1, $2, $3, $4, CASE WHEN overlapping THEN $4::timestamptz END, $5,
    CASE WHEN overlapping THEN 'skipped-overlap' ELSE 'running' END,
    CASE WHEN overlapping THEN 0 END, NULL, $6, 0
  FROM (SELECT $7::boolean OR (NOT $8::boolean AND EXISTS (
    SELECT 1 FROM "metaqueue_task_runs"
    WHERE "task" = $2 AND "status" = 'running' AND "expires_at" > $4
  )) AS overlapping) AS tick
  ON CONFLICT ("task", "scheduled_at") DO NOTHING
  RETURNING ${runColumns}`;

// A run that outlived its claim and was marked lost still gets its real outcome.
const finishRun = `
  UPDATE "metaqueue_task_runs"
  SET "status" = $2, "finished_at" = $3, "duration_seconds" = $4, "error" = $5, "records_published" = $6
  WHERE "id" = $1 AND "status" IN ('running', 'lost')`;

const expireRuns = `
  UPDATE "metaqueue_task_runs" SET "status" = 'lost', "finished_at" = $1
  WHERE "status" = 'running' AND "expires_at" <= $1 AND "task" = ANY($2::text[])
  RETURNING ${runColumns}`;

/** A row of `metaqueue_task_runs` as the driver gives it. */
export interface TaskRunDbRow {
  id: string;
  task: string;
  scheduled_at: Date | string;
  started_at: Date | string;
  finished_at: Date | string | null;
  expires_at: Date | string;
  status: TaskRunStatus;
  duration_seconds: number | string | null;
  error: string | null;
  replica: string;
  records_published: number | string;
}

/**
 * Ticks claimed in the store's table `metaqueue_task_runs`, on PostgreSQL or
 * PGlite: every replica on one database shares them.
 */
export class StoreTickClaims implements TickClaims {
  readonly kind = 'store';

  constructor(private readonly dataSource: DataSource) {}

  async claim(tick: TickRequest): Promise<TaskRunRow | undefined> {
    const rows = await this.dataSource.query<TaskRunDbRow[]>(claimTick, [
      randomUUID(),
      tick.task,
      tick.scheduledAt,
      tick.now,
      new Date(tick.now.getTime() + tick.maxRuntimeMs),
      tick.replica,
      !tick.overlap && tick.runningHere,
      tick.overlap,
    ]);
    return rows.length === 0 ? undefined : toRun(rows[0]);
  }

  async renew(run: TaskRunRow, expiresAt: Date): Promise<void> {
    await this.dataSource.query(
      `UPDATE "metaqueue_task_runs" SET "expires_at" = $2 WHERE "id" = $1 AND "status" = 'running'`,
      [run.id, expiresAt],
    );
  }

  async finish(run: TaskRunRow, outcome: RunOutcome): Promise<void> {
    await this.dataSource.query(finishRun, [
      run.id,
      outcome.status,
      outcome.finishedAt,
      outcome.durationSeconds,
      outcome.error ?? null,
      outcome.recordsPublished,
    ]);
  }

  async expire(tasks: readonly string[], now: Date): Promise<TaskRunRow[]> {
    const result = await this.dataSource.query<TaskRunDbRow[] | [TaskRunDbRow[], number]>(
      expireRuns,
      [now, tasks],
    );
    // TypeORM's postgres driver answers an UPDATE … RETURNING with [rows, count].
    const rows = (Array.isArray(result[0]) ? result[0] : result) as TaskRunDbRow[];
    return rows.map(toRun);
  }

  async runs(task: string, from: Date, to: Date): Promise<TaskRunRow[]> {
    const rows = await this.dataSource.query<TaskRunDbRow[]>(
      `SELECT ${runColumns} FROM "metaqueue_task_runs" WHERE "task" = $1 AND "scheduled_at" BETWEEN $2 AND $3 ORDER BY "scheduled_at"`,
      [task, from, to],
    );
    return rows.map(toRun);
  }

  async running(task: string): Promise<TaskRunRow[]> {
    const rows = await this.dataSource.query<TaskRunDbRow[]>(
      `SELECT ${runColumns} FROM "metaqueue_task_runs" WHERE "status" = 'running' AND "task" = $1 ORDER BY "scheduled_at"`,
      [task],
    );
    return rows.map(toRun);
  }

  async latest(task: string, count: number): Promise<TaskRunRow[]> {
    const rows = await this.dataSource.query<TaskRunDbRow[]>(
      `SELECT ${runColumns} FROM "metaqueue_task_runs" WHERE "task" = $1 ORDER BY "scheduled_at" DESC LIMIT $2`,
      [task, count],
    );
    return rows.map(toRun);
  }
}

/** A row of `metaqueue_task_runs` as a `TaskRunRow`. */
export function toRun(row: TaskRunDbRow): TaskRunRow {
  return {
    id: row.id,
    task: row.task,
    scheduledAt: new Date(row.scheduled_at),
    startedAt: new Date(row.started_at),
    ...(row.finished_at !== null && { finishedAt: new Date(row.finished_at) }),
    expiresAt: new Date(row.expires_at),
    status: row.status,
    ...(row.duration_seconds !== null && { durationSeconds: Number(row.duration_seconds) }),
    ...(row.error !== null && { error: row.error }),
    replica: row.replica,
    recordsPublished: Number(row.records_published),
  };
}
