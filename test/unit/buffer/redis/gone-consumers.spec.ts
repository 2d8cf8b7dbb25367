import { BackgroundTasks } from '../../../../src/lib/buffer/redis/background-tasks.js';
import { GoneConsumers } from '../../../../src/lib/buffer/redis/gone-consumers.js';
import { StreamGroups } from '../../../../src/lib/buffer/redis/stream-groups.js';
import { withRedisServer } from '../../../harness/redis-server.js';
import { redisUnit } from '../../../support/redis-unit.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

withRedisServer().describe('GoneConsumers', () => {
  const redis = redisUnit();

  it('removes consumers idle past 10 × claimIdleMs with nothing pending, never itself or one with entries', async () => {
    const stream = `${redis.options().streamPrefix}s`;
    await redis.client.xadd(stream, '*', 'r', '1');
    await redis.client.xgroup('CREATE', stream, 'store', '0');
    // `busy` holds the entry; `idle` and `me` hold nothing.
    await redis.client.xreadgroup('GROUP', 'store', 'busy', 'STREAMS', stream, '>');
    for (const consumer of ['idle', 'me']) {
      await redis.client.xgroup('CREATECONSUMER', stream, 'store', consumer);
    }
    const groups = new StreamGroups();
    groups.streams.push(stream);
    groups.sinks = ['store'];
    const tasks = new BackgroundTasks();
    // The connection's client: it has metaqueue's scripts.
    const { client } = await redis.connect();
    // Gone after 10 × claimIdleMs = 1 s idle: a busy machine's stalls only make them idler.
    const gone = new GoneConsumers(client, { consumer: 'me', claimIdleMs: 100 }, groups, tasks);
    await sleep(1_100);
    gone.forgetIfDue();
    await tasks.settled();
    const names = async () =>
      ((await redis.client.xinfo('CONSUMERS', stream, 'store')) as unknown[][])
        .map((c) => String(c[1]))
        .sort();
    expect(await names()).toEqual(['busy', 'me']);

    // The next look waits its turn (10 × claimIdleMs), and a consumer seen just now is no gone one.
    await redis.client.xgroup('CREATECONSUMER', stream, 'store', 'later');
    gone.forgetIfDue();
    await tasks.settled();
    expect(await names()).toEqual(['busy', 'later', 'me']);
  });
});
