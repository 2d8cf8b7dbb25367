import 'reflect-metadata';
import assert from 'node:assert/strict';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { MetaqueueHealthIndicator, MetaqueueModule } from '../../../src/lib/index.js';

// README

@Module({
  imports: [MetaqueueModule.forRoot({ topics: ['jobs'], store: false }), TerminusModule.forRoot()],
  controllers: [HealthController],
})
class AppModule {}

const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
const result = await app.get(HealthController).check();
assert.equal(result.status, 'ok');
assert.deepEqual(result.info, { metaqueue: { status: 'up' } });
await app.close();
console.log('ok');
