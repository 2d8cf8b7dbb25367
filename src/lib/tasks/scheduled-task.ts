import type { DiscoveredTask, ScheduledTaskCounters } from './meta-task.interface.js';
import type { RunOutcome, TaskRunRow, TickClaims } from './claims/task-run-row.interface.js';
import { dueTick, type TickSchedule } from './tick-schedule.js';

/** How a scheduled task's ticks are claimed and run. */
export interface ScheduledTaskSettings {
  schedule: TickSchedule;
  claims: TickClaims;
  replica: string;
  maxRuntimeMs: number;
  /** How often a run under way renews its claim. */
  renewEveryMs: number;
}

/** What a scheduled task tells the scheduler. */
export interface ScheduledTaskEvents {
  /** Runs the task once as the run `run`; settles, never rejects. */
  run(task: ScheduledTask, run: TaskRunRow): Promise<RunOutcome>;
  skipped(task: ScheduledTask): void;
  /** The claim, its renewal or the end of a run could not be written. */
  claimFailed(task: ScheduledTask, step: 'claim' | 'renew' | 'finish', error: unknown): void;
  ended(task: ScheduledTask, run: TaskRunRow, outcome: RunOutcome): void;
}

/**
 * One scheduled task's ticks. Each tick is claimed first (task name and
 * scheduled time, once across the fleet): only the replica that claims it
 * runs it; for the others it was run by the fleet. A tick that comes while an
 * earlier run goes on starts nothing unless the task allows `overlap`: it is
 * claimed as `skipped-overlap`, and counted. This is what `@Interval()` of
 * @nestjs/schedule does not do.
 */
export class ScheduledTask {
  readonly counters: ScheduledTaskCounters = { runs: 0, skipped: 0, claimedElsewhere: 0 };
  private readonly pending = new Set<Promise<unknown>>();
  private running = 0;
  /** The latest tick this replica handled; ticks before start are not run. */
  private lastTick = Date.now();

  constructor(
    readonly task: DiscoveredTask,
    readonly settings: ScheduledTaskSettings,
    private readonly events: ScheduledTaskEvents,
  ) {}

  /** Runs under way here now. */
  get inFlight(): number {
    return this.running;
  }

  /** The timer's callback: claims the tick it stands for, and runs it if this replica won it. */
  readonly tick = (): void => {
    const now = Date.now();
    const { schedule } = this.settings;
    // A timer may fire a few ms early; never as much as half an interval.
    const early = Math.min(1_000, schedule.intervalAt(now) / 2);
    const scheduledAt = dueTick(schedule, now, this.lastTick, early);
    if (scheduledAt === undefined) return;
    this.lastTick = scheduledAt;
    const work: Promise<unknown> = this.claimAndRun(scheduledAt, now).finally(() =>
      this.pending.delete(work),
    );
    this.pending.add(work);
  };

  private async claimAndRun(scheduledAt: number, now: number): Promise<void> {
    const { claims, replica, maxRuntimeMs } = this.settings;
    let run: TaskRunRow | undefined;
    try {
      run = await claims.claim({
        task: this.task.name,
        scheduledAt: new Date(scheduledAt),
        replica,
        now: new Date(now),
        maxRuntimeMs,
        overlap: this.task.options.overlap === true,
        runningHere: this.running > 0,
      });
    } catch (error) {
      // Unclaimed, it is not run: once across the fleet matters more than this tick.
      this.events.claimFailed(this, 'claim', error);
      return;
    }
    if (run === undefined) {
      this.counters.claimedElsewhere++;
      return;
    }
    if (run.status === 'skipped-overlap') {
      this.counters.skipped++;
      this.events.skipped(this);
      return;
    }
    this.counters.runs++;
    this.running++;
    const renewal = setInterval(() => this.renew(run), this.settings.renewEveryMs);
    try {
      const outcome = await this.events.run(this, run);
      clearInterval(renewal);
      await claims.finish(run, outcome).catch((error: unknown) => {
        this.events.claimFailed(this, 'finish', error);
      });
      this.events.ended(this, run, outcome);
    } finally {
      clearInterval(renewal);
      this.running--;
    }
  }

  private renew(run: TaskRunRow): void {
    const until = new Date(Date.now() + this.settings.maxRuntimeMs);
    this.settings.claims
      .renew(run, until)
      .catch((error: unknown) => this.events.claimFailed(this, 'renew', error));
  }

  /** Resolves once the claims and runs under way now have ended. */
  async idle(): Promise<void> {
    await Promise.all(this.pending);
  }
}
