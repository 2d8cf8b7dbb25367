import { Module, type INestApplication } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { Test } from '@nestjs/testing';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  InjectEngine,
  MetaqueueBoardModule,
  MetaqueueModule,
  MetaTask,
  type MetadataEngine,
  type StoreOptions,
} from '../../src/lib/index.js';

/**
 * Publishes two records a run (7 and 8), taking from 0 to 19 ms, and fails every ninth run
 * after publishing: the board's duration chart, with failures marked.
 */
@MetaTask({ name: 'import-orders', every: 100 })
export class ImportOrdersTask {
  private runs = 0;
  constructor(@InjectEngine('jobs') private readonly engine: MetadataEngine<number>) {}
  async run(): Promise<void> {
    const run = this.runs++;
    await new Promise((resolve) => setTimeout(resolve, (run * 7) % 20));
    // Their context is the run's id: the board links a run to these.
    await this.engine.publish({ data: 7, name: 'orders_imported', location: 'orders' });
    await this.engine.publish({ data: 8, name: 'orders_imported', location: 'refunds' });
    if (run % 9 === 8) throw new Error('the orders API timed out');
  }
}

/** Fails every run: the board marks failures. */
@MetaTask({ name: 'sync-crm', cron: '*/1 * * * * *', timeZone: 'Europe/Paris' })
export class SyncCrmTask {
  run(): void {
    throw new Error('the CRM answered 503');
  }
}

/** An app whose tasks run on their schedules, with the board at /board, listening on a free port. */
export async function bootTasksBoard(
  store: StoreOptions | false,
): Promise<{ app: INestApplication; url: string }> {
  @Module({
    imports: [
      ScheduleModule.forRoot(),
      MetaqueueModule.forRoot({
        topics: ['jobs'],
        store,
        broker: { flushIntervalMs: 3_600_000 },
        schedule: { graceMs: 5_000, checkIntervalMs: 50, replica: 'board-r1' },
      }),
      MetaqueueBoardModule.forRoot({ path: '/board' }),
    ],
    providers: [ImportOrdersTask, SyncCrmTask],
  })
  class AppModule {}
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.listen(0, '127.0.0.1');
  const { port } = (app.getHttpServer() as Server).address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}/board` };
}
