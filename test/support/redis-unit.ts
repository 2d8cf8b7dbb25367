import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import type { RedisBufferOptions } from '../../src/lib/buffer/buffer-options.interface.js';
import {
  resolveRedisBufferOptions,
  type ResolvedRedisBufferOptions,
} from '../../src/lib/buffer/redis/redis-buffer-options.js';
import { RedisConnection } from '../../src/lib/buffer/redis/redis-connection.js';
import { RedisServer } from '../harness/redis-server.js';

/**
 * For the unit specs of the Redis buffer's parts: a redis-server of the
 * suite's own, a plain client to look at it, and connections as the buffer
 * makes them, each on streams of its own; all closed after the suite.
 */
export function redisUnit() {
  const server = new RedisServer();
  const connections: RedisConnection[] = [];
  let client: Redis | undefined;
  beforeAll(async () => {
    Logger.overrideLogger(false);
    await server.start();
    client = new Redis(server.url);
  });
  afterAll(async () => {
    for (const connection of connections) await connection.close();
    client?.disconnect();
    await server.remove();
  });
  const options = (more: Partial<RedisBufferOptions> = {}): ResolvedRedisBufferOptions =>
    resolveRedisBufferOptions({
      type: 'redis',
      url: server.url,
      streamPrefix: `unit:${randomUUID()}:`,
      ...more,
    });
  return {
    server,
    get client(): Redis {
      return client!;
    },
    options,
    /** A connection as the buffer makes one, ready. */
    async connect(more: Partial<RedisBufferOptions> = {}): Promise<RedisConnection> {
      const connection = new RedisConnection(options(more));
      connections.push(connection);
      await connection.ready();
      return connection;
    },
  };
}
