// One replica of a fleet for the scheduling tests: an app whose task `tick`
// runs every METAQUEUE_TEST_EVERY_MS, taking METAQUEUE_TEST_RUN_MS, on the
// store METAQUEUE_TEST_STORE (JSON) that every replica shares, named
// METAQUEUE_TEST_REPLICA. It prints `ready`, then `started <run id>` as each
// run it claimed starts (after publishing a record without context, which
// carries the run's id) and `ended <run id>` as it ends, and exits once
// closed after SIGTERM.
import 'reflect-metadata';
import { writeSync } from 'node:fs';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import {
  InjectEngine,
  MetaqueueModule,
  MetaTask,
  MetaTaskScheduler,
  type MetadataEngine,
  type StoreOptions,
} from '../../src/lib/index.js';

const env = (name: string) => process.env[`METAQUEUE_TEST_${name}`]!;
const say = (line: string) => writeSync(1, `${line}\n`);
const runMs = Number(env('RUN_MS'));

@MetaTask({
  name: 'tick',
  every: Number(env('EVERY_MS')),
  maxRuntimeMs: Number(env('MAX_RUNTIME_MS')),
})
class TickTask {
  constructor(@InjectEngine('ticks') private readonly engine: MetadataEngine<number>) {}

  async run(): Promise<void> {
    // No context: the record carries the run's id, which the line says.
    const record = await this.engine.publish({ data: 1, name: 'tick', location: env('REPLICA') });
    say(`started ${record!.context}`);
    await new Promise((resolve) => setTimeout(resolve, runMs));
    say(`ended ${record!.context}`);
  }
}

@Module({
  imports: [
    ScheduleModule.forRoot(),
    MetaqueueModule.forRoot({
      topics: ['ticks'],
      store: JSON.parse(env('STORE')) as StoreOptions,
      schedule: { replica: env('REPLICA'), checkIntervalMs: 200, graceMs: Number(env('GRACE_MS')) },
    }),
  ],
  providers: [TickTask],
})
class ReplicaModule {}

const app = await NestFactory.createApplicationContext(ReplicaModule, {
  logger: ['error', 'warn'],
});
app.enableShutdownHooks();
app.get(MetaTaskScheduler);
say('ready');
