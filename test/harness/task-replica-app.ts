// One replica of a fleet for the scheduling tests: an app whose task `tick`
// runs every METAQUEUE_TEST_EVERY_MS, taking METAQUEUE_TEST_RUN_MS, on the
// store METAQUEUE_TEST_STORE (JSON) that every replica shares, named
// METAQUEUE_TEST_REPLICA. It prints `ready`, then `started <run id>` as each
// run it claimed starts (after publishing a record without context, which
// carries the run's id) and `ended <run id>` as it ends, and exits once
// closed after SIGTERM. For the fault scenarios: it prints
// `watch {"alarms":[...],"missed":N,"late":N}` whenever its watch of `tick`
// changes; METAQUEUE_TEST_LOG (default `error,warn`) are the Nest log levels
// it prints (the watch logs a cleared alarm at `log`); on SIGUSR2 it does
// METAQUEUE_TEST_ON_SIGUSR2: `delete-job` removes `tick` from
// SchedulerRegistry, `block:<period>:<phase>` blocks the event loop past two
// ticks, until <phase> ms after a multiple of <period>; then it prints `done`.
import 'reflect-metadata';
import { writeSync } from 'node:fs';
import { Module, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ScheduleModule, SchedulerRegistry } from '@nestjs/schedule';
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
  logger: (process.env.METAQUEUE_TEST_LOG ?? 'error,warn').split(',') as LogLevel[],
});
// Not every signal, as Nest's default: SIGUSR2 is the scenarios' fault.
app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
const scheduler = app.get(MetaTaskScheduler);
let watched = '';
setInterval(() => {
  const state = scheduler.watchStates().tick;
  if (!state) return;
  const line = JSON.stringify({
    alarms: Object.keys(state.alarms).sort(),
    missed: state.missedTotal,
    late: state.lateTotal,
  });
  if (line !== watched) say(`watch ${(watched = line)}`);
}, 10).unref();
process.on('SIGUSR2', () => {
  const [fault, period, phase] = (process.env.METAQUEUE_TEST_ON_SIGUSR2 ?? '').split(':');
  if (fault === 'delete-job') app.get(SchedulerRegistry).deleteInterval('tick');
  if (fault === 'block') {
    // Past two whole ticks, to `phase` after the third: a busy loop, no timer runs.
    const end = (Math.floor(Date.now() / Number(period)) + 3) * Number(period) + Number(phase);
    while (Date.now() < end);
  }
  say('done');
});
say('ready');
