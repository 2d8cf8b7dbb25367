import 'reflect-metadata';
import assert from 'node:assert/strict';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import {
  BrokerService,
  getEngineToken,
  MetadataStore,
  MetaqueueModule,
  metaqueueEntities,
  metaqueueMigrations,
  type MetadataEngine,
} from '../../../src/lib/index.js';

// README

const asyncMetaqueue =
  // README

  @Module({
    imports: [
      TypeOrmModule.forRoot({ type: 'postgres', url: process.env.DATABASE_URL }),
      asyncMetaqueue,
    ],
  })
  class AsyncAppModule {};

if (!process.env.DATABASE_URL) {
  // The example's TypeOrmModule names a server: the PostgreSQL run of npm test runs it.
  console.log('skipped: the TypeORM example needs DATABASE_URL');
} else {
  for (const module of [AppModule, AsyncAppModule]) {
    const app = await NestFactory.createApplicationContext(module, { logger: false });
    assert.equal(app.get(MetadataStore).dataSource, app.get<DataSource>(getDataSourceToken()));
    const imports = app.get<MetadataEngine>(getEngineToken('imports'));
    const record = await imports.publish({ data: 1, name: 'n', location: 'l', context: 'c' });
    await app.get(BrokerService).flush();
    const rows = await app
      .get<DataSource>(getDataSourceToken())
      .query('SELECT id FROM metadata WHERE id = $1', [record!.id]);
    assert.equal(rows.length, 1);
    await app.close();
  }
}
console.log('ok');
