import 'reflect-metadata';
import assert from 'node:assert/strict';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  getEngineToken,
  InjectEngine,
  MetaqueueModule,
  MetaTask,
  type MetadataEngine,
} from '../../../src/lib/index.js';
import { Topic } from '../../../src/example/topics.js';

// README
  async run(table: string, rows: number, context: string): Promise<void> {
    // README
  }
}

// store: false keeps the records in the queue, where the harness reads them.
@Module({
  imports: [MetaqueueModule.forRoot({ topics: [{ topic: Topic.Imports, dtype: 'number' }], store: false })],
  providers: [ImportTask],
})
class AppModule {}

const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
await app.get(ImportTask).run('customers', 512, 'chunk 1/5');
const [record] = app.get<MetadataEngine<number>>(getEngineToken(Topic.Imports)).take();
assert.deepEqual(
  { data: record.data, name: record.name, location: record.location, context: record.context },
  { data: 512, name: 'import_rows', location: 'customers', context: 'chunk 1/5' },
);
await app.close();
console.log('ok');
