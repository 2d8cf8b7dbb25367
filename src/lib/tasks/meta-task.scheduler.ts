import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { SchedulerRegistry } from '@nestjs/schedule';
import { MetaqueueConfigError } from '../errors/metaqueue.errors.js';
import { defaults } from '../metaqueue.defaults.js';
import { errorMessages, logMessages } from '../metaqueue.messages.js';
import type { ScheduleModuleOptions } from './schedule-options.interface.js';
import { METAQUEUE_MODULE_OPTIONS } from '../metaqueue.tokens.js';
import { assertOption, optionRules } from '../utils/assert-option.util.js';
import { describeError } from '../errors/describe-error.util.js';
import { withTimeout } from '../utils/with-timeout.util.js';
import { MetaTaskExplorer } from './meta-task.explorer.js';
import type { DiscoveredTask, ScheduledTaskCounters } from './meta-task.interface.js';
import { ScheduledTask } from './scheduled-task.js';
import { TaskRunner } from './task-runner.service.js';

/**
 * Runs the `@MetaTask({ cron })` and `@MetaTask({ every })` tasks on their
 * schedules, each registered in @nestjs/schedule's `SchedulerRegistry` under
 * the task's name. Starts in `onApplicationBootstrap`; in `onModuleDestroy`,
 * before the broker closes the engines, stops the timers and lets the runs
 * under way finish, within `schedule.shutdownTimeoutMs`.
 */
@Injectable()
export class MetaTaskScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(MetaTaskScheduler.name);
  private readonly scheduled: { task: ScheduledTask; stop: () => void }[] = [];
  private stopped?: Promise<void>;

  constructor(
    private readonly explorer: MetaTaskExplorer,
    private readonly runner: TaskRunner,
    private readonly moduleRef: ModuleRef,
    @Inject(METAQUEUE_MODULE_OPTIONS) private readonly options: ScheduleModuleOptions,
  ) {}

  /** Runs and skipped ticks, by scheduled task. */
  get counters(): Record<string, ScheduledTaskCounters> {
    return Object.fromEntries(
      this.scheduled.map(({ task }) => [task.task.name, { ...task.counters }]),
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.options.schedule === false || this.stopped || this.scheduled.length > 0) return;
    const timeoutMs = this.options.schedule?.shutdownTimeoutMs;
    if (timeoutMs !== undefined) {
      assertOption('schedule', 'shutdownTimeoutMs', timeoutMs, optionRules.positiveMs);
    }
    const tasks = this.explorer
      .getAll()
      .filter(({ options }) => options.cron !== undefined || options.every !== undefined);
    if (tasks.length === 0) return;
    const registry = await this.schedulerRegistry();
    const { CronJob } = await cronOfSchedule();
    // Every schedule is built before any starts: a refused one leaves no timer running.
    const starts = tasks.map((task) => this.build(task, registry, CronJob));
    for (const start of starts) start();
  }

  /** Checks a task's schedule, and returns how to start it. */
  private build(
    task: DiscoveredTask,
    registry: SchedulerRegistry,
    CronJob: typeof import('cron').CronJob,
  ): () => void {
    const { cron, every, timeZone } = task.options;
    if (cron !== undefined && every !== undefined) {
      throw new MetaqueueConfigError(errorMessages.taskTwoSchedules(task.name));
    }
    const scheduled = new ScheduledTask(
      task,
      () => this.runner.run([task.instance]),
      (skipped) => this.skipped(skipped),
    );
    if (every !== undefined) {
      assertOption(`@MetaTask ${task.name}`, 'every', every, optionRules.positiveMs);
      return () => {
        registry.addInterval(task.name, setInterval(scheduled.tick, every));
        this.scheduled.push({
          task: scheduled,
          stop: () => this.delete(registry, 'interval', task),
        });
      };
    }
    let job;
    try {
      job = CronJob.from({ cronTime: cron!, onTick: scheduled.tick, timeZone });
    } catch (error) {
      throw new MetaqueueConfigError(
        errorMessages.invalidCron(task.name, cron!, describeError(error)),
      );
    }
    return () => {
      registry.addCronJob(task.name, job);
      job.start();
      this.scheduled.push({ task: scheduled, stop: () => this.delete(registry, 'cron', task) });
    };
  }

  /** Stops every schedule, and waits for the runs under way, within the bound. */
  onModuleDestroy(): Promise<void> {
    this.stopped ??= this.stop();
    return this.stopped;
  }

  private async stop(): Promise<void> {
    for (const { stop } of this.scheduled) stop();
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

  private skipped(task: ScheduledTask): void {
    // Once per task: a slow task skips ticks steadily, and the counters keep the tally.
    if (task.counters.skipped === 1) this.logger.warn(logMessages.tickSkipped(task.task.name));
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

/** The `cron` package @nestjs/schedule itself uses: its dependency, not necessarily the app's. */
async function cronOfSchedule(): Promise<typeof import('cron')> {
  const schedule = createRequire(import.meta.url).resolve('@nestjs/schedule');
  const url = pathToFileURL(createRequire(schedule).resolve('cron')).href;
  return (await import(url)) as typeof import('cron');
}
