import { Module, type DynamicModule } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { MetaqueueModule, OpenMetricsFileConnector } from '../lib/index.js';
import { exampleStore } from './example-store.js';
import { ImportTask } from './tasks/import.task.js';
import { ReportTask } from './tasks/report.task.js';
import { StatusCheckTask } from './tasks/status-check.task.js';
import { Topic } from './topics.js';

/**
 * The example's module. `register()` runs the tasks on their schedules (the
 * HTTP example); `register({ schedules: false })` leaves running them to the
 * caller: the one-shot demo runs each once, and no tick adds to what it counts.
 */
@Module({})
export class AppModule {
  static register({ schedules = true }: { schedules?: boolean } = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        // Runs the tasks' schedules (@MetaTask({ every }) and ({ cron })).
        ...(schedules ? [ScheduleModule.forRoot()] : []),
        MetaqueueModule.forRoot({
          topics: [
            { topic: Topic.Imports, dtype: 'number', bufferSize: 1_000 },
            { topic: Topic.Checks, dtype: 'string', overflow: 'drop-oldest' },
            { topic: Topic.Reports, dtype: 'json' },
          ],
          store: exampleStore,
          connectors: [new OpenMetricsFileConnector({ path: './log.txt' })],
          schedule: schedules ? {} : false,
        }),
      ],
      providers: [ImportTask, StatusCheckTask, ReportTask],
      // The HTTP example (serve.module.ts) builds on this one and uses metaqueue's providers.
      exports: [MetaqueueModule],
    };
  }
}
