import 'reflect-metadata';
import assert from 'node:assert/strict';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ScheduleModule, SchedulerRegistry } from '@nestjs/schedule';
import { MetaqueueModule, MetaTask, MetaTaskScheduler } from '../../../src/lib/index.js';

// README

@Module({
  imports: [ScheduleModule.forRoot(), MetaqueueModule.forRoot({ topics: [], store: false })],
  providers: [NightlyImportTask, StatusCheckTask],
})
class AppModule {}

const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
const registry = app.get(SchedulerRegistry);
assert.deepEqual([...registry.getCronJobs().keys()], ['nightly-import']);
assert.deepEqual(registry.getIntervals(), ['StatusCheckTask']);
assert.deepEqual(app.get(MetaTaskScheduler).counters, {
  'nightly-import': { runs: 0, skipped: 0, claimedElsewhere: 0 },
  StatusCheckTask: { runs: 0, skipped: 0, claimedElsewhere: 0 },
});
await app.close();
console.log('ok');
