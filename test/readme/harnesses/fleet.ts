import 'reflect-metadata';
import assert from 'node:assert/strict';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  BrokerService,
  getEngineToken,
  MetadataStore,
  MetaqueueModule,
  OpenMetricsFileConnector,
  type MetadataEngine,
} from '../../../src/lib/index.js';
import { RedisServer } from '../../harness/redis-server.js';

const redis = await new RedisServer().start();
process.env.REDIS_URL = redis.url;
// The README run on PGlite has no server: the worker then stores in embedded PGlite.
if (!process.env.DATABASE_URL) delete process.env.DATABASE_URL;

// README

const publisher = await NestFactory.createApplicationContext(PublisherModule, { logger: false });
assert.equal(publisher.get(MetadataStore), null);
const jobs = publisher.get<MetadataEngine<number>>(getEngineToken('jobs'));
for (let i = 0; i < 100; i++) {
  await jobs.publish({ data: i, name: 'rows', location: 'import', context: 'fleet' });
}
const worker = await NestFactory.createApplicationContext(WorkerModule, { logger: false });
const broker = worker.get(BrokerService);
await broker.flush();
assert.equal(broker.counters.sinks.store.written, 100);
assert.equal(broker.counters.sinks.file.written, 100);
await publisher.close();
await worker.close();
await redis.remove();
console.log('ok');
