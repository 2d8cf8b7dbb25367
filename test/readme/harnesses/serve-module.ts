import 'reflect-metadata';
import assert from 'node:assert/strict';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import type { AddressInfo } from 'node:net';
import {
  MetadataController,
  MetaqueueBoardModule,
  MetricsController,
} from '../../../src/lib/index.js';
import { AppModule } from '../../../src/example/app.module.js';
import { HealthController } from '../../../src/example/health.controller.js';

// README
class ServeModule {}

const app = await NestFactory.create(ServeModule, { logger: false });
await app.listen(0, '127.0.0.1');
const { port } = app.getHttpServer().address() as AddressInfo;
for (const path of ['/metrics', '/health', '/metadata', '/board', '/board/api/overview']) {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  assert.equal(response.status, 200, path);
}
await app.close();
console.log('ok');
