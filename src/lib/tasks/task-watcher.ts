import { Logger } from '@nestjs/common';
import { describeError } from '../errors/describe-error.util.js';
import { logMessages } from '../metaqueue.messages.js';
import type { TaskRunRow, TickClaims } from './claims/task-run-row.interface.js';
import { TaskWatch, type TaskWatchEvent, type TaskWatchState } from './task-watch.js';

/** How many of a task's latest runs each check reads: the failing streak, and the last times. */
const latestRuns = 50;

/**
 * The watch of every scheduled task, in every replica: at each check it
 * marks lapsed claims `lost`, reads each task's runs from the fleet's claims,
 * and lets each `TaskWatch` judge them; what changed is logged. Checks never
 * overlap, and a check that cannot read is logged and tried again at the next.
 */
export class TaskWatcher {
  private readonly logger = new Logger('TaskWatcher');
  private timer?: NodeJS.Timeout;
  private checking?: Promise<void>;
  private failing = false;

  constructor(
    private readonly watches: readonly TaskWatch[],
    private readonly claims: TickClaims,
    private readonly checkIntervalMs: number,
    private readonly onLost: (run: TaskRunRow) => void = () => undefined,
  ) {}

  start(): void {
    if (this.watches.length === 0 || this.timer) return;
    this.timer = setInterval(() => {
      this.checking ??= this.check().finally(() => (this.checking = undefined));
    }, this.checkIntervalMs);
    // The watch alone never keeps a process alive.
    this.timer.unref();
  }

  /** Stops the checks, and waits for the one under way. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.checking;
  }

  /** Each watched task's state, by task. */
  states(): Record<string, TaskWatchState> {
    return Object.fromEntries(this.watches.map((watch) => [watch.task, watch.state]));
  }

  /** One check of every task, at `now`. */
  async check(now = Date.now()): Promise<void> {
    try {
      const lost = await this.claims.expire(
        this.watches.map((w) => w.task),
        new Date(now),
      );
      for (const run of lost) {
        this.logger.warn(logMessages.taskRunLost(run.task, run.scheduledAt, run.replica));
        this.onLost(run);
      }
      for (const watch of this.watches) {
        const { from, to } = watch.window(now);
        const [window, running, latest] = await Promise.all([
          this.claims.runs(watch.task, new Date(from), new Date(to)),
          this.claims.running(watch.task),
          this.claims.latest(watch.task, latestRuns),
        ]);
        for (const event of watch.check(now, { window, running, latest })) this.log(watch, event);
      }
      this.failing = false;
    } catch (error) {
      if (!this.failing) this.logger.warn(logMessages.taskWatchFailed(describeError(error)));
      this.failing = true;
    }
  }

  private log(watch: TaskWatch, event: TaskWatchEvent): void {
    const { graceMs } = watch.settings;
    if ('cleared' in event) {
      this.logger.log(logMessages.taskRecovered(event.task, event.cleared));
      return;
    }
    switch (event.alarm) {
      case 'missed':
        return this.logger.warn(logMessages.taskMissed(event.task, event.scheduledAt, graceMs));
      case 'late':
        return this.logger.warn(
          logMessages.taskLate(
            event.task,
            event.run.scheduledAt,
            event.lateMs,
            event.run.replica,
            graceMs,
          ),
        );
      case 'overrunning':
        return this.logger.warn(
          logMessages.taskOverrunning(
            event.task,
            event.run.scheduledAt,
            event.runningMs,
            event.run.replica,
          ),
        );
      case 'failing':
        return this.logger.error(
          logMessages.taskFailing(event.task, event.failed, event.error ?? ''),
        );
    }
  }
}
