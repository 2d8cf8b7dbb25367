import 'reflect-metadata';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { register } from 'prom-client';
import { getEngineToken, MetaqueueModule, type MetadataEngine } from '../../../src/lib/index.js';

// README

const app = await NestFactory.create(AppModule, { logger: false });
await app.listen(0, '127.0.0.1');
const jobs = app.get<MetadataEngine>(getEngineToken('jobs'));
await jobs.publish({ data: 1, name: 'n', location: 'l', context: 'c' });
await jobs.publish({ data: 2, name: 'n', location: 'l', context: 'c' });
const { port } = app.getHttpServer().address() as AddressInfo;
// PrometheusModule's own GET /metrics: metaqueue's series beside the default metrics.
const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
assert.match(body, /^metaqueue_published_total\{topic="jobs"\} 2$/m);
assert.match(body, /^process_cpu_user_seconds_total /m);
await app.close();
const left = register.getMetricsAsArray().map((m) => m.name);
assert.deepEqual(
  left.filter((name) => name.startsWith('metaqueue_')),
  [],
);
assert.ok(left.includes('process_cpu_user_seconds_total'));
console.log('ok');
