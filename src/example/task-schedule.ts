import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { TaskRunner } from '../lib/index.js';

const everyMs = 5_000;

/** Runs every example task every few seconds, while the server runs. */
@Injectable()
export class TaskSchedule implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(TaskSchedule.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(private readonly moduleRef: ModuleRef) {}

  onApplicationBootstrap(): void {
    // AppModule does not re-export MetaqueueModule, so the runner is looked up in the application.
    const runner = this.moduleRef.get(TaskRunner, { strict: false });
    const run = () => {
      this.running ??= runner
        .runAll()
        .then((results) => {
          const failed = results.filter((r) => r.status === 'rejected').length;
          this.logger.log(`ran ${results.length} tasks, ${failed} failed`);
        })
        .catch((error: unknown) => this.logger.error(`tasks failed: ${String(error)}`))
        .finally(() => (this.running = undefined));
    };
    run();
    this.timer = setInterval(run, everyMs);
    // Only the HTTP server keeps the process alive.
    this.timer.unref();
  }

  // Before the broker's beforeApplicationShutdown closes the engines: no task publishes into them.
  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
