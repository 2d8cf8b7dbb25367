import 'reflect-metadata';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import {
  BrokerService,
  InjectEngine,
  MetadataController,
  MetaqueueBoardModule,
  MetaqueueHealthIndicator,
  MetaqueueModule,
  MetaTask,
  MetricsController,
  OpenMetricsFileConnector,
  TaskRunner,
  type MetadataEngine,
} from '../../../src/lib/index.js';

// The README's server listens on PORT: any free one here.
process.env.PORT = '0';

// README

// README

// README

// README

const { port } = app.getHttpServer().address() as AddressInfo;
const get = (path: string) => fetch(`http://127.0.0.1:${port}${path}`);
await app.get(TaskRunner).run([ImportTask]);
await app.get(BrokerService).flush();

const metrics = await get('/metrics');
assert.equal(metrics.status, 200);
assert.match(await metrics.text(), /metaqueue_published_total\{topic="imports"\} [1-9]/);
assert.equal((await get('/health')).status, 200);
const page = (await (
  await get('/metadata?name=import_rows&location=customers&context=nightly&order=newest')
).json()) as { items: { data: unknown }[] };
assert.equal(page.items[0]?.data, 512);
for (const path of ['/board', '/board/api/overview', '/board/api/names']) {
  assert.equal((await get(path)).status, 200, path);
}
await app.close();
console.log('ok');
