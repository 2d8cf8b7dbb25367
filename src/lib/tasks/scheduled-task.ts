import type { DiscoveredTask, ScheduledTaskCounters } from './meta-task.interface.js';

/**
 * One scheduled task's ticks. A tick that comes while the previous run goes
 * on starts nothing unless the task allows `overlap`: it is counted as skipped.
 * This is what `@Interval()` of @nestjs/schedule does not do.
 */
export class ScheduledTask {
  readonly counters: ScheduledTaskCounters = { runs: 0, skipped: 0 };
  private readonly running = new Set<Promise<unknown>>();

  constructor(
    readonly task: DiscoveredTask,
    /** Runs the task once; settles, never rejects (TaskRunner reports failures). */
    private readonly runOnce: () => Promise<unknown>,
    private readonly onSkipped: (task: ScheduledTask) => void,
  ) {}

  /** Runs under way now. */
  get inFlight(): number {
    return this.running.size;
  }

  readonly tick = (): void => {
    if (this.running.size > 0 && !this.task.options.overlap) {
      this.counters.skipped++;
      this.onSkipped(this);
      return;
    }
    this.counters.runs++;
    const run: Promise<unknown> = this.runOnce().finally(() => this.running.delete(run));
    this.running.add(run);
  };

  /** Resolves once the runs under way now have ended. */
  async idle(): Promise<void> {
    await Promise.all(this.running);
  }
}
