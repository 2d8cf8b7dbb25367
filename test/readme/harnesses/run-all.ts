import 'reflect-metadata';
import assert from 'node:assert/strict';
import { NestFactory } from '@nestjs/core';
import { BrokerService, MetaTaskScheduler, TaskRunner } from '../../../src/lib/index.js';
import { AppModule } from '../../../src/example/app.module.js';

const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
// The example's schedules would add their runs to the count on a slow machine:
// stop them, let a run under way finish, and count from there.
await app.get(MetaTaskScheduler).onModuleDestroy();
await app.get(BrokerService).flush();
const before = app.get(BrokerService).counters.sinks.store.written;
// README
assert.ok(results.every((r) => r.status === 'fulfilled'));
const written = app.get(BrokerService).counters.sinks.store.written - before;
assert.equal(written, 14 + 3); // and a run record per task
await app.close();
console.log('ok');
