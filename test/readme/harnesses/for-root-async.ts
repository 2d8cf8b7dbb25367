import 'reflect-metadata';
import assert from 'node:assert/strict';
import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import {
  BrokerService,
  getEngineToken,
  MetaqueueModule,
  type MetadataEngine,
} from '../../../src/lib/index.js';

process.env.FLUSH_INTERVAL_MS = '250';
const metaqueue =
  // README

  @Module({ imports: [ConfigModule.forRoot({ ignoreEnvFile: true }), metaqueue] })
  class AppModule {};

const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
const imports = app.get<MetadataEngine>(getEngineToken('imports'));
await imports.publish({ data: 1, name: 'n', location: 'l', context: 'c' });
await app.get(BrokerService).flush();
assert.equal(app.get(BrokerService).counters.sinks.store.written, 1);
assert.equal(app.get<MetadataEngine>(getEngineToken('reports')).capacity, 2);
await app.close();
console.log('ok');
