import 'reflect-metadata';
import assert from 'node:assert/strict';
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  Injectable,
  Module,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MetaqueueBoardModule, MetaqueueModule } from '../../../src/lib/index.js';

process.env.BOARD_USER = 'ops';
process.env.BOARD_PASSWORD = 'correct horse';

@Module({
  imports: [MetaqueueModule.forRoot({ topics: ['jobs'], store: false })],
  exports: [MetaqueueModule],
})
class AppModule {}

// README

const app = await NestFactory.create(BoardAppModule, { logger: false });
await app.listen(0, '127.0.0.1');
const { port } = app.getHttpServer().address() as AddressInfo;
const get = (path: string, user?: string) =>
  fetch(`http://127.0.0.1:${port}${path}`, {
    headers: user ? { authorization: `Basic ${Buffer.from(user).toString('base64')}` } : {},
  });
for (const path of ['/board', '/board/api/overview', '/board/assets/board.js']) {
  const anonymous = await get(path);
  assert.equal(anonymous.status, 401, path);
  assert.equal(anonymous.headers.get('www-authenticate'), 'Basic realm="metaqueue board"');
  assert.equal((await get(path, 'ops:wrong')).status, 401, path);
  assert.equal((await get(path, 'ops:correct horse')).status, 200, path);
}
const overview = (await (await get('/board/api/overview', 'ops:correct horse')).json()) as {
  topics: { topic: string }[];
};
// With the built-in topic of the task run records.
assert.deepEqual(
  overview.topics.map((t) => t.topic),
  ['jobs', 'metaqueue_task_runs'],
);
await app.close();
console.log('ok');
