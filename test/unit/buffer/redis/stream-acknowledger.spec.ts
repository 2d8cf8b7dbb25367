import { BackgroundTasks } from '../../../../src/lib/buffer/redis/background-tasks.js';
import { HandedOutEntries } from '../../../../src/lib/buffer/redis/handed-out-entries.js';
import { StreamAcknowledger } from '../../../../src/lib/buffer/redis/stream-acknowledger.js';
import { withRedisServer } from '../../../harness/redis-server.js';
import { redisUnit } from '../../../support/redis-unit.js';
import { until } from '../../../support/until.js';

withRedisServer().describe('StreamAcknowledger', () => {
  const redis = redisUnit();

  /** A stream with `n` entries, read by groups `store` and `file` as this consumer. */
  async function readStream(n: number) {
    const connection = await redis.connect();
    const stream = `${redis.options().streamPrefix}s`;
    for (let i = 0; i < n; i++) await redis.client.xadd(stream, '*', 'r', String(i));
    const ids: string[] = [];
    for (const group of ['store', 'file']) {
      await redis.client.xgroup('CREATE', stream, group, '0');
      const reply = (await redis.client.xreadgroup(
        'GROUP',
        group,
        'me',
        'STREAMS',
        stream,
        '>',
      )) as [string, [string, string[]][]][];
      if (group === 'store') ids.push(...reply[0][1].map(([id]) => id));
    }
    const handedOut = new HandedOutEntries();
    const tasks = new BackgroundTasks();
    const acks = new StreamAcknowledger(connection, [stream], handedOut, tasks);
    return { connection, stream, ids, handedOut, tasks, acks };
  }
  const pending = async (stream: string, group: string) =>
    ((await redis.client.xpending(stream, group)) as [number])[0];

  it('acknowledges to the sink group only, and trims only what every group has', async () => {
    const { stream, ids, handedOut, tasks, acks } = await readStream(3);
    handedOut.add('store', stream, ids);
    acks.acknowledge('store', stream, ids);
    await tasks.settled();
    expect(await pending(stream, 'store')).toBe(0);
    expect(await pending(stream, 'file')).toBe(3);
    expect(handedOut.has('store', stream, ids[0])).toBe(false);
    await acks.trim();
    expect(await redis.client.xlen(stream)).toBe(3);

    acks.acknowledge('file', stream, ids.slice(0, 2));
    await tasks.settled();
    // The trim the acknowledgement asked for runs on the next turn.
    await until(async () => (await redis.client.xlen(stream)) === 1);
  });

  it('keeps a failed acknowledgement, and sends it again until it goes through', async () => {
    const { connection, stream, ids, tasks, acks } = await readStream(2);
    const warnings: string[] = [];
    connection.warn = (message) => void warnings.push(message);
    const xack = connection.client.xack.bind(connection.client);
    let failures = 1;
    connection.client.xack = ((...args: Parameters<typeof xack>) =>
      failures-- > 0 ? Promise.reject(new Error('LOADING')) : xack(...args)) as typeof xack;
    acks.acknowledge('store', stream, ids);
    await tasks.settled();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('Could not acknowledge 2 entries of sink store');
    expect(await pending(stream, 'store')).toBe(2);
    await acks.retryFailed();
    expect(await pending(stream, 'store')).toBe(0);
    // Nothing is kept once it went through.
    await acks.retryFailed();
    expect(warnings).toHaveLength(1);
  });

  it('sends nothing for no entries', async () => {
    const { stream, tasks, acks } = await readStream(1);
    acks.acknowledge('store', stream, []);
    await tasks.settled();
    expect(await pending(stream, 'store')).toBe(1);
  });
});
