import 'reflect-metadata';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { Controller, Get, Module, Res } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Registry } from 'prom-client';
import {
  getEngineToken,
  MetaqueueMetrics,
  MetaqueueModule,
  type MetadataEngine,
} from '../../../src/lib/index.js';

// README

// The application's own GET /metrics carries metaqueue's series, with its default labels.
const app = await NestFactory.create(AppModule, { logger: false });
await app.listen(0, '127.0.0.1');
await app
  .get<MetadataEngine>(getEngineToken('jobs'))
  .publish({ data: 1, name: 'n', location: 'l', context: 'c' });
const { port } = app.getHttpServer().address() as AddressInfo;
const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
assert.match(body, /^metaqueue_published_total\{topic="jobs",service="orders"\} 1$/m);
await app.close();
assert.deepEqual(registry.getMetricsAsArray(), []);

// The registry from DI, through forRootAsync().
const APP_REGISTRY = Symbol('APP_REGISTRY');
const fromDi = new Registry();

@Module({ providers: [{ provide: APP_REGISTRY, useValue: fromDi }], exports: [APP_REGISTRY] })
class AppMetricsModule {}

const metaqueue =
  // README

  @Module({ imports: [metaqueue] })
  class AsyncAppModule {};

const context = await NestFactory.createApplicationContext(AsyncAppModule, { logger: false });
assert.equal(context.get(MetaqueueMetrics).appRegistry, fromDi);
assert.ok(fromDi.getSingleMetric('metaqueue_published_total'));
await context.close();
assert.deepEqual(fromDi.getMetricsAsArray(), []);
console.log('ok');
