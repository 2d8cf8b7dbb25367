import { readStreamStats } from '../../../../src/lib/buffer/redis/stream-stats.js';
import { withRedisServer } from '../../../harness/redis-server.js';
import { redisUnit } from '../../../support/redis-unit.js';
import { until } from '../../../support/until.js';

withRedisServer().describe('readStreamStats', () => {
  const redis = redisUnit();

  it('gives each stream its length, and each group its pending entries and lag', async () => {
    const connection = await redis.connect();
    const prefix = redis.options().streamPrefix;
    const [a, b] = [`${prefix}a`, `${prefix}b`];
    for (let i = 0; i < 3; i++) await redis.client.xadd(a, '*', 'r', String(i));
    await redis.client.xgroup('CREATE', a, 'store', '0');
    await redis.client.xreadgroup('GROUP', 'store', 'me', 'COUNT', 2, 'STREAMS', a, '>');
    const stats = await readStreamStats(connection, [a, b]);
    expect(stats).toEqual([
      { stream: a, length: 3, groups: [{ group: 'store', pending: 2, lag: 1 }] },
      { stream: b, length: 0, groups: [] },
    ]);
  });

  it('fails at once, never waits, while Redis is not connected', async () => {
    const connection = await redis.connect();
    connection.client.disconnect();
    await until(() => !connection.connected);
    await expect(readStreamStats(connection, ['x'])).rejects.toThrow(/cannot be reached/);
  });
});
