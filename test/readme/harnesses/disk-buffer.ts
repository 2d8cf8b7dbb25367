import 'reflect-metadata';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  BrokerService,
  getEngineToken,
  MetaqueueModule,
  type MetadataEngine,
} from '../../../src/lib/index.js';

// README

const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
const engine = app.get<MetadataEngine<number>>(getEngineToken('imports'));
const record = await engine.publish({ data: 1, name: 'rows', location: 'db', context: 'nightly' });
// publish() resolved: the record is in the log already, before any flush.
const log = readdirSync('./var/metaqueue')
  .filter((f) => f.endsWith('.seg'))
  .map((f) => readFileSync(join('./var/metaqueue', f), 'latin1'))
  .join('');
assert.ok(log.includes(record!.id));
await app.get(BrokerService).flush();
assert.equal(app.get(BrokerService).counters.sinks.store.written, 1);
await app.close();
console.log('ok');
