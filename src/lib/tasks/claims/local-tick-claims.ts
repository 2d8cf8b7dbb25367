import { randomUUID } from 'node:crypto';
import {
  claimedRow,
  finishedRow,
  type RunOutcome,
  type TaskRunRow,
  type TickClaims,
  type TickRequest,
} from './task-run-row.interface.js';

/**
 * Ticks claimed in this process only: with `store: false` and no Redis, a
 * replica cannot see another's claims, and each runs every tick. Keeps the
 * latest `keep` runs of each task, for the watch.
 */
export class LocalTickClaims implements TickClaims {
  readonly kind = 'local';
  private readonly byTask = new Map<string, Map<number, TaskRunRow>>();

  constructor(private readonly keep = 1_000) {}

  claim(tick: TickRequest): Promise<TaskRunRow | undefined> {
    const runs = this.runsOf(tick.task);
    const key = tick.scheduledAt.getTime();
    if (runs.has(key)) return Promise.resolve(undefined);
    const overlapping =
      !tick.overlap &&
      (tick.runningHere ||
        [...runs.values()].some((r) => r.status === 'running' && r.expiresAt > tick.now));
    const row = claimedRow(tick, randomUUID(), overlapping);
    runs.set(key, row);
    // Oldest first (ticks are claimed in order): the first key is the one to forget.
    if (runs.size > this.keep) runs.delete(runs.keys().next().value!);
    return Promise.resolve({ ...row });
  }

  renew(run: TaskRunRow, expiresAt: Date): Promise<void> {
    const current = this.runsOf(run.task).get(run.scheduledAt.getTime());
    if (current?.id === run.id && current.status === 'running') current.expiresAt = expiresAt;
    return Promise.resolve();
  }

  finish(run: TaskRunRow, outcome: RunOutcome): Promise<void> {
    const runs = this.runsOf(run.task);
    const key = run.scheduledAt.getTime();
    if (runs.get(key)?.id === run.id) runs.set(key, finishedRow(runs.get(key)!, outcome));
    return Promise.resolve();
  }

  expire(tasks: readonly string[], now: Date): Promise<TaskRunRow[]> {
    const lost: TaskRunRow[] = [];
    for (const runs of tasks.map((task) => this.runsOf(task))) {
      for (const [key, run] of runs) {
        if (run.status !== 'running' || run.expiresAt > now) continue;
        const row: TaskRunRow = { ...run, status: 'lost', finishedAt: now };
        runs.set(key, row);
        lost.push(row);
      }
    }
    return Promise.resolve(lost);
  }

  runs(task: string, from: Date, to: Date): Promise<TaskRunRow[]> {
    return Promise.resolve(
      [...this.runsOf(task).values()]
        .filter((r) => r.scheduledAt >= from && r.scheduledAt <= to)
        .sort((a, b) => a.scheduledAt.getTime() - b.scheduledAt.getTime()),
    );
  }

  running(task: string): Promise<TaskRunRow[]> {
    return Promise.resolve([...this.runsOf(task).values()].filter((r) => r.status === 'running'));
  }

  latest(task: string, count: number): Promise<TaskRunRow[]> {
    return Promise.resolve(
      [...this.runsOf(task).values()]
        .sort((a, b) => b.scheduledAt.getTime() - a.scheduledAt.getTime())
        .slice(0, count),
    );
  }

  private runsOf(task: string): Map<number, TaskRunRow> {
    let runs = this.byTask.get(task);
    if (!runs) this.byTask.set(task, (runs = new Map<number, TaskRunRow>()));
    return runs;
  }
}
