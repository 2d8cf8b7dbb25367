import 'reflect-metadata';
import assert from 'node:assert/strict';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import {
  InjectEngine,
  MetaqueueModule,
  MetaTask,
  MetaTaskScheduler,
  type MetadataEngine,
  type MetadataRecord,
} from '../../../src/lib/index.js';

// README

const written: MetadataRecord[] = [];
@Module({
  imports: [
    ScheduleModule.forRoot(),
    MetaqueueModule.forRoot({
      topics: ['imports'],
      store: false,
      recordRuns: false,
      connectors: [{ name: 'memory', write: async (records) => void written.push(...records) }],
    }),
  ],
  providers: [ImportTask],
})
class AppModule {}

const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
const scheduler = app.get(MetaTaskScheduler);
while (scheduler.counters.ImportTask.runs === 0) await new Promise((r) => setTimeout(r, 50));
await app.close();
const [run] = await scheduler.claims.latest('ImportTask', 1);
assert.equal(run.status, 'succeeded');
assert.equal(run.recordsPublished, 1);
assert.deepEqual(
  written.map((r) => r.context),
  [run.id],
);
console.log('ok');
