import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleDestroy,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { hostname } from 'node:os';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { SchedulerRegistry } from '@nestjs/schedule';
import { MetaqueueConfigError } from '../errors/metaqueue.errors.js';
import { defaults } from '../metaqueue.defaults.js';
import { errorMessages, logMessages } from '../metaqueue.messages.js';
import type { ScheduleModuleOptions, ScheduleOptions } from './schedule-options.interface.js';
import { METAQUEUE_MODULE_OPTIONS, TICK_CLAIMS } from '../metaqueue.tokens.js';
import { assertOption, optionRules } from '../utils/assert-option.util.js';
import { describeError } from '../errors/describe-error.util.js';
import { Listeners } from '../utils/listeners.util.js';
import { withTimeout } from '../utils/with-timeout.util.js';
import { AlignedInterval } from './aligned-interval.js';
import type { RunOutcome, TaskRunRow, TickClaims } from './claims/task-run-row.interface.js';
import { MetaTaskExplorer } from './meta-task.explorer.js';
import type { DiscoveredTask, ScheduledTaskCounters } from './meta-task.interface.js';
import { ScheduledTask, type ScheduledTaskEvents } from './scheduled-task.js';
import { TaskRunner } from './task-runner.service.js';
import { TaskWatch, type TaskWatchState } from './task-watch.js';
import { TaskWatcher } from './task-watcher.js';
import { cronSchedule, everySchedule, type TickSchedule } from './tick-schedule.js';

/** A run that ended on this replica, for the duration histogram. */
export type RunListener = (task: string, run: TaskRunRow, outcome: RunOutcome) => void;

/**
 * Runs the `@MetaTask({ cron })` and `@MetaTask({ every })` tasks on their
 * schedules, each registered in @nestjs/schedule's `SchedulerRegistry` under
 * the task's name; each tick is claimed once across the fleet before it runs,
 * and the watch judges every task from the fleet's claims. Starts in
 * `onApplicationBootstrap`; in `onModuleDestroy`, before the broker closes
 * the engines, stops the timers and the watch and lets the runs under way
 * finish, within `schedule.shutdownTimeoutMs`.
 */
@Injectable()
export class MetaTaskScheduler
  implements OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown
{
  private readonly logger = new Logger(MetaTaskScheduler.name);
  private readonly scheduled: { task: ScheduledTask; stop: () => void }[] = [];
  private readonly runListeners = new Listeners<Parameters<RunListener>>((error) =>
    this.logger.warn(logMessages.runObserverFailed(describeError(error))),
  );
  private readonly claimFailing = new Set<string>();
  private watcher?: TaskWatcher;
  private stopped?: Promise<void>;

  constructor(
    private readonly explorer: MetaTaskExplorer,
    private readonly runner: TaskRunner,
    private readonly moduleRef: ModuleRef,
    @Inject(METAQUEUE_MODULE_OPTIONS) private readonly options: ScheduleModuleOptions,
    @Inject(TICK_CLAIMS) readonly claims: TickClaims,
  ) {}

  /** Runs, skipped ticks, and ticks run by another replica, by scheduled task. */
  get counters(): Record<string, ScheduledTaskCounters> {
    return Object.fromEntries(
      this.scheduled.map(({ task }) => [task.task.name, { ...task.counters }]),
    );
  }

  /** The scheduled tasks, in the order they started: each one's options and ticks. */
  schedules(): { task: DiscoveredTask; schedule: TickSchedule }[] {
    return this.scheduled.map(({ task }) => ({
      task: task.task,
      schedule: task.settings.schedule,
    }));
  }

  /** What the watch judged of each scheduled task, by task: alarms and times. */
  watchStates(): Record<string, TaskWatchState> {
    return this.watcher?.states() ?? {};
  }

  /** Calls `listener` with each scheduled run that ends on this replica; returns how to stop. */
  observeRuns(listener: RunListener): () => void {
    return this.runListeners.add(listener);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.options.schedule === false || this.stopped || this.scheduled.length > 0) return;
    const options = resolveScheduleOptions(this.options.schedule || {});
    const tasks = this.explorer
      .getAll()
      .filter(({ options }) => options.cron !== undefined || options.every !== undefined);
    if (tasks.length === 0) return;
    const registry = await this.schedulerRegistry();
    const { CronJob } = await cronOfSchedule();
    // Every schedule is built before any starts: a refused one leaves no timer running.
    const built = tasks.map((task) => this.build(task, registry, CronJob, options));
    const since = Date.now();
    this.watcher = new TaskWatcher(
      built.map(({ watch }) => new TaskWatch(watch.task, watch.schedule, watch.settings, since)),
      this.claims,
      options.checkIntervalMs,
    );
    for (const { start } of built) start();
    this.watcher.start();
  }

  /** Checks a task's schedule, and returns how to start it and how to watch it. */
  private build(
    task: DiscoveredTask,
    registry: SchedulerRegistry,
    CronJob: typeof import('cron').CronJob,
    options: ResolvedScheduleOptions,
  ): { start: () => void; watch: Pick<TaskWatch, 'task' | 'schedule' | 'settings'> } {
    const { cron, every, timeZone } = task.options;
    if (cron !== undefined && every !== undefined) {
      throw new MetaqueueConfigError(errorMessages.taskTwoSchedules(task.name));
    }
    let schedule: TickSchedule;
    let job: import('cron').CronJob | undefined;
    if (every !== undefined) {
      assertOption(`@MetaTask ${task.name}`, 'every', every, optionRules.positiveMs);
      schedule = everySchedule(every);
    } else {
      try {
        job = CronJob.from({ cronTime: cron!, onTick: () => scheduled.tick(), timeZone });
      } catch (error) {
        throw new MetaqueueConfigError(
          errorMessages.invalidCron(task.name, cron!, describeError(error)),
        );
      }
      const cronJob = job;
      schedule = cronSchedule(() => cronJob.cronTime);
    }
    const settings = taskSettings(task, schedule, options);
    const scheduled: ScheduledTask = new ScheduledTask(
      task,
      {
        schedule,
        claims: this.claims,
        replica: options.replica,
        maxRuntimeMs: settings.maxRuntimeMs,
        renewEveryMs: Math.max(1, Math.floor(settings.maxRuntimeMs / 3)),
      },
      this.events,
    );
    const watch = { task: task.name, schedule, settings };
    if (job === undefined) {
      const timer = new AlignedInterval(registry, task.name, every!, scheduled.tick);
      return {
        watch,
        start: () => {
          timer.start();
          this.scheduled.push({
            task: scheduled,
            stop: () => this.delete(registry, 'interval', task),
          });
        },
      };
    }
    const cronJob = job;
    return {
      watch,
      start: () => {
        registry.addCronJob(task.name, cronJob);
        cronJob.start();
        this.scheduled.push({ task: scheduled, stop: () => this.delete(registry, 'cron', task) });
      },
    };
  }

  private readonly events: ScheduledTaskEvents = {
    run: (task, run) => this.runner.runScheduled(task.task, run.id),
    skipped: (task) => {
      // Once per task: a slow task skips ticks steadily, and the counters keep the tally.
      if (task.counters.skipped === 1) this.logger.warn(logMessages.tickSkipped(task.task.name));
    },
    claimFailed: (task, step, error) => {
      if (this.claimFailing.has(task.task.name)) return;
      this.claimFailing.add(task.task.name);
      this.logger.warn(logMessages.tickClaimFailed(task.task.name, step, describeError(error)));
    },
    ended: (task, run, outcome) => {
      this.claimFailing.delete(task.task.name);
      this.runListeners.notify(task.task.name, run, outcome);
    },
  };

  /** Stops every schedule and the watch, and waits for the runs under way, within the bound. */
  onModuleDestroy(): Promise<void> {
    this.stopped ??= this.stop();
    return this.stopped;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.onModuleDestroy();
    await this.claims.close?.();
  }

  private async stop(): Promise<void> {
    for (const { stop } of this.scheduled) stop();
    await this.watcher?.stop();
    const { shutdownTimeoutMs: timeoutMs = defaults.schedule.shutdownTimeoutMs } =
      this.options.schedule || {};
    const idle = Promise.all(this.scheduled.map(({ task }) => task.idle()));
    await withTimeout(idle, timeoutMs, () => new Error()).catch(() => {
      const running = this.scheduled.filter(({ task }) => task.inFlight > 0);
      this.logger.warn(
        logMessages.tasksStillRunning(
          running.map(({ task }) => task.task.name),
          timeoutMs,
        ),
      );
    });
  }

  /** Removes a task's timer, unless the user already deleted it from the registry. */
  private delete(
    registry: SchedulerRegistry,
    type: 'cron' | 'interval',
    task: DiscoveredTask,
  ): void {
    if (!registry.doesExist(type, task.name)) return;
    if (type === 'cron') registry.deleteCronJob(task.name);
    else registry.deleteInterval(task.name);
  }

  /** @nestjs/schedule is an optional peer: loaded only when a task has a schedule. */
  private async schedulerRegistry(): Promise<SchedulerRegistry> {
    let schedule: typeof import('@nestjs/schedule');
    try {
      schedule = await import('@nestjs/schedule');
    } catch {
      throw new MetaqueueConfigError(errorMessages.scheduleNotInstalled());
    }
    try {
      return this.moduleRef.get(schedule.SchedulerRegistry, { strict: false });
    } catch {
      throw new MetaqueueConfigError(errorMessages.scheduleModuleMissing());
    }
  }
}

type ResolvedScheduleOptions = Required<Omit<ScheduleOptions, 'graceMs'>> &
  Pick<ScheduleOptions, 'graceMs'>;

/** The schedule options with their defaults; throws `MetaqueueConfigError` on a bad one. */
function resolveScheduleOptions(options: ScheduleOptions): ResolvedScheduleOptions {
  const { schedule } = defaults;
  const resolved = {
    shutdownTimeoutMs: options.shutdownTimeoutMs ?? schedule.shutdownTimeoutMs,
    graceMs: options.graceMs,
    maxRuntimeMs: options.maxRuntimeMs ?? schedule.maxRuntimeMs,
    checkIntervalMs: options.checkIntervalMs ?? schedule.checkIntervalMs,
    failingAfter: options.failingAfter ?? schedule.failingAfter,
    replica: options.replica ?? `${hostname()}:${process.pid}`,
  };
  for (const key of ['shutdownTimeoutMs', 'maxRuntimeMs', 'checkIntervalMs'] as const) {
    assertOption('schedule', key, resolved[key], optionRules.positiveMs);
  }
  if (resolved.graceMs !== undefined) {
    assertOption('schedule', 'graceMs', resolved.graceMs, optionRules.positiveMs);
  }
  assertOption('schedule', 'failingAfter', resolved.failingAfter, optionRules.positiveInteger);
  assertOption('schedule', 'replica', resolved.replica, {
    test: (v) => typeof v === 'string' && v.length > 0,
    expected: 'a non-empty string',
  });
  return resolved;
}

/** A task's watch settings: its own, else the module's, else from its interval. */
function taskSettings(
  task: DiscoveredTask,
  schedule: TickSchedule,
  options: ResolvedScheduleOptions,
) {
  const { graceMs, maxRuntimeMs } = task.options;
  const where = `@MetaTask ${task.name}`;
  if (graceMs !== undefined) assertOption(where, 'graceMs', graceMs, optionRules.positiveMs);
  if (maxRuntimeMs !== undefined) {
    assertOption(where, 'maxRuntimeMs', maxRuntimeMs, optionRules.positiveMs);
  }
  return {
    graceMs:
      graceMs ??
      options.graceMs ??
      Math.max(defaults.schedule.minGraceMs, schedule.intervalAt(Date.now()) / 4),
    maxRuntimeMs: maxRuntimeMs ?? options.maxRuntimeMs,
    failingAfter: options.failingAfter,
  };
}

/** The `cron` package @nestjs/schedule itself uses: its dependency, not necessarily the app's. */
async function cronOfSchedule(): Promise<typeof import('cron')> {
  const schedule = createRequire(import.meta.url).resolve('@nestjs/schedule');
  const url = pathToFileURL(createRequire(schedule).resolve('cron')).href;
  return (await import(url)) as typeof import('cron');
}
