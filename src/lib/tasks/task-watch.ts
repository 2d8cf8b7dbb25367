import type { TaskRunRow, TaskRunStatus } from './claims/task-run-row.interface.js';
import { ticksBetween, type TickSchedule } from './tick-schedule.js';

/** What the watch raises about a task. */
export type TaskAlarm = 'missed' | 'late' | 'overrunning' | 'failing';

export interface TaskWatchSettings {
  /** How long after its time a tick may start, and still be on time. */
  graceMs: number;
  /** A run going on longer than this is overrunning. */
  maxRuntimeMs: number;
  /** This many failed runs in a row (`failed` or `lost`) make the task failing. */
  failingAfter: number;
}

/** What the watch reads about a task at a check, from the fleet's claims. */
export interface TaskWatchReading {
  /** The runs scheduled in `TaskWatch.window(now)`. */
  window: readonly TaskRunRow[];
  /** The runs still going on. */
  running: readonly TaskRunRow[];
  /** The latest runs, newest first. */
  latest: readonly TaskRunRow[];
}

/** One thing the watch saw at a check, for a log line. */
export type TaskWatchEvent =
  | { alarm: 'missed'; task: string; scheduledAt: number }
  | { alarm: 'late'; task: string; run: TaskRunRow; lateMs: number }
  | { alarm: 'overrunning'; task: string; run: TaskRunRow; runningMs: number }
  | { alarm: 'failing'; task: string; failed: number; error?: string }
  | { cleared: TaskAlarm; task: string };

/** Where a task stands: its alarms and the times an alert rule reads. */
export interface TaskWatchState {
  /** Each alarm raised now, and why. */
  alarms: Partial<Record<TaskAlarm, string>>;
  missedTotal: number;
  lateTotal: number;
  /** Runs going on longer than `maxRuntimeMs` now. */
  overrunning: number;
  /** When a run last succeeded (it ended), in ms. */
  lastSuccessAt?: number;
  /** When a run last ended, by how it ended, in ms. */
  lastRunAt: Partial<Record<TaskRunStatus, number>>;
  nextTickAt: number;
}

const ended = new Set<TaskRunStatus>(['succeeded', 'failed', 'lost']);

/**
 * The watch over one task, from one replica, judged from the fleet's claims
 * rather than from this replica's own runs: any live replica sees a tick no
 * replica ran. A tick is `missed` once `graceMs` passed with no claim; a
 * run is `late` if it started more than `graceMs` after its tick. Holds no
 * timer and reads no clock: the caller passes `now`, so one watch is
 * tested over thousands of simulated ticks.
 */
export class TaskWatch {
  readonly state: TaskWatchState;
  /** Ticks up to this time are judged. */
  private judgedUpTo: number;
  /** The latest missed tick, while no later tick has run. */
  private missedTick?: number;
  /** Runs already judged late or on time. */
  private readonly startSeen = new Map<string, number>();
  private readonly overrunSeen = new Set<string>();
  private windowFrom = -Infinity;

  constructor(
    readonly task: string,
    readonly schedule: TickSchedule,
    readonly settings: TaskWatchSettings,
    /** When the watch began: ticks before it are not judged. */
    since: number,
  ) {
    this.judgedUpTo = since;
    this.state = {
      alarms: {},
      missedTotal: 0,
      lateTotal: 0,
      overrunning: 0,
      lastRunAt: {},
      nextTickAt: schedule.next(since),
    };
  }

  /**
   * The scheduled times whose runs the next check reads, `[from, to]`: the
   * ticks not judged yet, and one interval before them, since a tick is
   * claimed at most about one interval late (a later tick due by then is run
   * instead), and a late claim is judged when it comes.
   */
  window(now: number): { from: number; to: number } {
    const from =
      Math.min(this.judgedUpTo, now - this.settings.graceMs) - this.schedule.intervalAt(now) + 1;
    this.windowFrom = from;
    return { from, to: now };
  }

  /** Judges the task at `now` from what was read; returns what changed. */
  check(now: number, reading: TaskWatchReading): TaskWatchEvent[] {
    const events: TaskWatchEvent[] = [];
    const { graceMs } = this.settings;
    this.judgeMissed(now, reading.window, events);
    for (const run of reading.window) this.judgeStart(run, graceMs, events);
    this.judgeRunning(now, reading.running, events);
    this.judgeEnded(reading.latest, events);
    this.state.nextTickAt = this.schedule.next(now);
    this.prune();
    return events;
  }

  private judgeMissed(now: number, window: readonly TaskRunRow[], events: TaskWatchEvent[]): void {
    const claimed = new Set(window.map((run) => run.scheduledAt.getTime()));
    const until = now - this.settings.graceMs;
    for (const tick of ticksBetween(this.schedule, this.judgedUpTo, until)) {
      if (claimed.has(tick)) continue;
      this.state.missedTotal++;
      this.missedTick = tick;
      this.state.alarms.missed = `no replica ran its tick at ${new Date(tick).toISOString()}`;
      events.push({ alarm: 'missed', task: this.task, scheduledAt: tick });
    }
    this.judgedUpTo = Math.max(this.judgedUpTo, until);
    // A later tick that ran clears it: the schedule works again.
    if (this.missedTick !== undefined && [...claimed].some((tick) => tick > this.missedTick!)) {
      this.missedTick = undefined;
      this.clear('missed', events);
    }
  }

  private judgeStart(run: TaskRunRow, graceMs: number, events: TaskWatchEvent[]): void {
    if (this.startSeen.has(run.id) || run.status === 'skipped-overlap') return;
    const scheduledAt = run.scheduledAt.getTime();
    this.startSeen.set(run.id, scheduledAt);
    const lateMs = run.startedAt.getTime() - scheduledAt;
    if (lateMs > graceMs) {
      this.state.lateTotal++;
      this.state.alarms.late = `its tick at ${run.scheduledAt.toISOString()} started ${lateMs} ms late`;
      events.push({ alarm: 'late', task: this.task, run, lateMs });
    } else if (this.state.alarms.late !== undefined) {
      this.clear('late', events);
    }
  }

  private judgeRunning(
    now: number,
    running: readonly TaskRunRow[],
    events: TaskWatchEvent[],
  ): void {
    const over = running.filter(
      (run) => now - run.startedAt.getTime() > this.settings.maxRuntimeMs,
    );
    this.state.overrunning = over.length;
    for (const run of over) {
      if (this.overrunSeen.has(run.id)) continue;
      this.overrunSeen.add(run.id);
      events.push({
        alarm: 'overrunning',
        task: this.task,
        run,
        runningMs: now - run.startedAt.getTime(),
      });
    }
    if (over.length > 0) {
      this.state.alarms.overrunning = over
        .map((run) => `the run of ${run.scheduledAt.toISOString()} on ${run.replica}`)
        .join(', ');
    } else if (this.state.alarms.overrunning !== undefined) {
      this.clear('overrunning', events);
    }
  }

  private judgeEnded(latest: readonly TaskRunRow[], events: TaskWatchEvent[]): void {
    const runs = latest.filter((run) => ended.has(run.status));
    for (const run of runs) {
      const at = run.finishedAt?.getTime();
      if (at === undefined) continue;
      const last = this.state.lastRunAt[run.status];
      if (last === undefined || at > last) this.state.lastRunAt[run.status] = at;
    }
    this.state.lastSuccessAt = this.state.lastRunAt.succeeded;
    const { failingAfter } = this.settings;
    const lastRuns = runs.slice(0, failingAfter);
    const failing =
      lastRuns.length >= failingAfter && lastRuns.every((run) => run.status !== 'succeeded');
    if (failing && this.state.alarms.failing === undefined) {
      const error = lastRuns[0].error ?? lastRuns[0].status;
      this.state.alarms.failing = `its last ${failingAfter} runs failed: ${error}`;
      events.push({ alarm: 'failing', task: this.task, failed: failingAfter, error });
    } else if (!failing && this.state.alarms.failing !== undefined) {
      this.clear('failing', events);
    }
  }

  private clear(alarm: TaskAlarm, events: TaskWatchEvent[]): void {
    delete this.state.alarms[alarm];
    events.push({ cleared: alarm, task: this.task });
  }

  /** Forgets runs that left the window. */
  private prune(): void {
    for (const [id, scheduledAt] of this.startSeen) {
      if (scheduledAt < this.windowFrom) this.startSeen.delete(id);
    }
    if (this.overrunSeen.size > 1_000) this.overrunSeen.clear();
  }
}
