import 'reflect-metadata';
import assert from 'node:assert/strict';
import { NestFactory } from '@nestjs/core';
import { BrokerService, TaskRunner } from '../../../src/lib/index.js';
import { AppModule } from '../../../src/example/app.module.js';

// Without its schedules: their ticks would add to the count on a slow machine.
const app = await NestFactory.createApplicationContext(AppModule.register({ schedules: false }), {
  logger: false,
});
// README
assert.ok(results.every((r) => r.status === 'fulfilled'));
assert.equal(app.get(BrokerService).counters.sinks.store.written, 14 + 3); // and a run record per task
await app.close();
console.log('ok');
