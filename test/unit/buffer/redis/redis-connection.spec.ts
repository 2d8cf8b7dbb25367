import { RedisConnection } from '../../../../src/lib/buffer/redis/redis-connection.js';
import { resolveRedisBufferOptions } from '../../../../src/lib/buffer/redis/redis-buffer-options.js';
import { freePort, RedisServer, withRedisServer } from '../../../harness/redis-server.js';
import { redisUnit } from '../../../support/redis-unit.js';
import { until } from '../../../support/until.js';

withRedisServer().describe('RedisConnection', () => {
  const redis = redisUnit();

  it('is ready and available once Redis answers, and names its target without credentials', async () => {
    const connection = await redis.connect();
    expect(connection.connected).toBe(true);
    expect(connection.available).toBe(true);
    expect(connection.target).toBe(`redis://127.0.0.1:${redis.server.port}/0`);
    expect(await connection.client.ping()).toBe('PONG');
  });

  it('cuts every credential out of what it describes', async () => {
    const options = resolveRedisBufferOptions({
      type: 'redis',
      url: `redis://user:s3cret-pw@127.0.0.1:${await freePort()}`,
    });
    const connection = new RedisConnection(options);
    try {
      expect(connection.describe(new Error('AUTH user s3cret-pw failed'))).toBe(
        'AUTH *** *** failed',
      );
      expect(connection.notConnected().message).not.toContain('s3cret-pw');
    } finally {
      await connection.close();
    }
  });

  it('is unavailable while Redis cannot be reached, tells its listeners, and recovers', async () => {
    const own = await new RedisServer().start();
    const connection = new RedisConnection(
      resolveRedisBufferOptions({
        type: 'redis',
        url: own.url,
        connection: { retryStrategy: () => 20 },
      }),
    );
    const heard: string[] = [];
    connection.on('lost', () => heard.push('lost'));
    connection.on('ready', () => heard.push('ready'));
    try {
      expect(await connection.ready()).toBe(true);
      await own.stop();
      await until(() => !connection.available);
      expect(connection.connected).toBe(false);
      // It does not wait for Redis: it answers at once.
      expect(await connection.ready()).toBe(false);
      expect(heard).toContain('lost');
      await own.start();
      await until(() => connection.connected && connection.available);
      expect(heard.at(-1)).toBe('ready');
    } finally {
      await connection.close();
      await own.remove();
    }
  });

  it('answers ready() with false when the first connection fails', async () => {
    const connection = new RedisConnection(
      resolveRedisBufferOptions({ type: 'redis', url: `redis://127.0.0.1:${await freePort()}` }),
    );
    try {
      expect(await connection.ready()).toBe(false);
      expect(connection.available).toBe(false);
    } finally {
      await connection.close();
    }
  });
});
