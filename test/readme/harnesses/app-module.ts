import 'reflect-metadata';
import assert from 'node:assert/strict';
import { Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import {
  BrokerService,
  MetaqueueModule,
  OpenMetricsFileConnector,
  TaskRunner,
} from '../../../src/lib/index.js';
import { ImportTask } from '../../../src/example/tasks/import.task.js';
import { ReportTask } from '../../../src/example/tasks/report.task.js';
import { StatusCheckTask } from '../../../src/example/tasks/status-check.task.js';
import { Topic } from '../../../src/example/topics.js';

// README

const app = await NestFactory.createApplicationContext(AppModule.register({ schedules: false }), { logger: false });
const results = await app.get(TaskRunner).runAll();
await app.get(BrokerService).flush();
assert.deepEqual(
  results.map((r) => r.status),
  ['fulfilled', 'fulfilled', 'fulfilled'],
);
assert.equal(app.get(BrokerService).counters.sinks.store.written, 14 + 3); // and a run record per task
await app.close();
console.log('ok');
