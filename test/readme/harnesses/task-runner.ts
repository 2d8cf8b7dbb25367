import 'reflect-metadata';
import assert from 'node:assert/strict';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MetaqueueModule, MetaTask, TaskRunner } from '../../../src/lib/index.js';

@MetaTask()
class ImportTask {
  async run(table: string, chunks: number): Promise<string> {
    return `${table}: ${chunks} chunks`;
  }
}
@MetaTask()
class FailingTask {
  async run(): Promise<never> {
    throw new Error('the source is gone');
  }
}
@MetaTask()
class CheckTask {
  async run(target: string): Promise<boolean> {
    return target === 'db';
  }
}

@Module({
  imports: [MetaqueueModule.forRoot({ topics: ['jobs'], store: false })],
  providers: [ImportTask, FailingTask, CheckTask],
})
class AppModule {}

const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
const runner = app.get(TaskRunner);
// README
assert.deepEqual(results[0], { task: 'ImportTask', status: 'fulfilled', value: 'users: 5 chunks' });
assert.equal(results[1].status, 'rejected');
assert.deepEqual(results[2], { task: 'CheckTask', status: 'fulfilled', value: true });
await app.close();
console.log('ok');
