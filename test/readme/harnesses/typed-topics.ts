import 'reflect-metadata';
import assert from 'node:assert/strict';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  DataTypeError,
  defineTopics,
  getEngineToken,
  InjectEngine,
  MetaqueueModule,
  MetaTask,
  TaskRunner,
  type MetadataEngine,
} from '../../../src/lib/index.js';

// README

const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
await app.get(TaskRunner).run([CountImports]);
const imports = app.get<MetadataEngine<number>>(getEngineToken(topics.imports));
assert.deepEqual(
  imports.take().map((r) => r.data),
  [42],
);
assert.equal(imports.capacity, 1_000);
// The same declaration checks data at runtime, for callers TypeScript does not see.
const checks = app.get<MetadataEngine<unknown>>(getEngineToken(topics.checks));
await assert.rejects(
  checks.publish({ data: 7, name: 'n', location: 'l', context: 'c' }),
  DataTypeError,
);
await app.close();
console.log('ok');
