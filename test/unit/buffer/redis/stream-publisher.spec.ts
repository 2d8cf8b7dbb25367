import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { decodeRecord } from '../../../../src/lib/buffer/record-codec.js';
import { streamJournal } from '../../../support/redis-journal.js';
import { withRedisServer } from '../../../harness/redis-server.js';
import { CapturingLogger } from '../../../support/capturing-logger.js';
import { redisUnit } from '../../../support/redis-unit.js';

/**
 * Three ways Redis refuses an append, each made real on the suite's server
 * and undone: a key of another type, memory full under noeviction, an ACL
 * user without scripts (the connection logs in as `user`).
 */
const refusals = {
  WRONGTYPE: {
    user: 'default',
    cause: (admin: Redis, stream: string) => admin.set(stream, 'not a stream'),
    clear: (admin: Redis, stream: string) => admin.del(stream),
  },
  OOM: {
    user: 'default',
    cause: async (admin: Redis) => {
      await admin.config('SET', 'maxmemory-policy', 'noeviction');
      await admin.config('SET', 'maxmemory', '1');
    },
    clear: (admin: Redis) => admin.config('SET', 'maxmemory', '0'),
  },
  NOPERM: {
    user: 'noscripts',
    cause: (admin: Redis) =>
      admin.call('ACL', 'SETUSER', 'noscripts', 'on', '>pw', '~*', '+@all', '-@scripting'),
    clear: (admin: Redis) => admin.call('ACL', 'SETUSER', 'noscripts', '+@scripting'),
  },
} as const;

withRedisServer().describe('StreamPublisher', () => {
  const redis = redisUnit();

  it("appends every topic's publishes of a tick in one round trip, in order", async () => {
    const options = redis.options();
    const connection = await redis.connect(options);
    const j = streamJournal(connection, options.streamPrefix);
    const a = j.topic('a');
    const b = j.topic('b');
    const pipeline = connection.client.pipeline.bind(connection.client);
    let pipelines = 0;
    connection.client.pipeline = (...args: Parameters<typeof pipeline>) => {
      pipelines++;
      return pipeline(...args);
    };
    const published = await Promise.all([a.publish(), b.publish(), a.publish()]);
    expect(pipelines).toBe(1);
    expect(j.appended).toBe(3);
    const ids = async (stream: string) =>
      (await redis.client.xrange(stream, '-', '+')).map(([, f]) => decodeRecord(f[1]).id);
    expect(await ids(a.stream)).toEqual([published[0].record.id, published[2].record.id]);
    expect(await ids(b.stream)).toEqual([published[1].record.id]);
    await j.publisher.idle();
  });

  it('sends an append whose answer was lost again, and Redis appends it once', async () => {
    const options = redis.options();
    const connection = await redis.connect(options);
    const j = streamJournal(connection, options.streamPrefix);
    const a = j.topic('a');
    const pipeline = connection.client.pipeline.bind(connection.client);
    let lose = true;
    connection.client.pipeline = (...args: Parameters<typeof pipeline>) => {
      const sent = pipeline(...args);
      const exec = sent.exec.bind(sent);
      // The first answer is lost after Redis ran the append, as when the connection breaks.
      sent.exec = async () => {
        const replies = await exec();
        if (!lose) return replies;
        lose = false;
        throw new Error('connection lost');
      };
      return sent;
    };
    expect((await a.publish()).outcome).toBe('accepted');
    expect(await redis.client.xlen(a.stream)).toBe(1);
  });

  it.each(Object.keys(refusals) as (keyof typeof refusals)[])(
    'tells a refusal (%s) from a lost answer: the policy acts, the cause is logged once, and again when it clears',
    async (code) => {
      const { user, cause, clear } = refusals[code];
      const logger = new CapturingLogger();
      Logger.overrideLogger(logger);
      const options = redis.options();
      const url = new URL(redis.server.url);
      url.username = user;
      url.password = user === 'default' ? '' : 'pw';
      const stream = `${options.streamPrefix}a`;
      // Made before the connection, so that the ACL user exists to log in.
      await cause(redis.client, stream);
      const connection = await redis.connect({ ...options, url: url.toString() });
      const j = streamJournal(connection, options.streamPrefix);
      const a = j.topic('a', { overflow: 'error' });
      try {
        const refused = await Promise.all([a.publish(), a.publish()]);
        await a.publish();
        for (const { outcome } of refused) {
          expect(outcome).toEqual({
            refused: { stream: a.stream, command: 'append', code, reason: expect.any(String) },
          });
        }
        expect(j.refusals.counted()).toEqual([
          { stream: a.stream, command: 'append', code, refusals: 2 },
        ]);
        expect(j.refusals.now()).toHaveLength(1);
        expect(
          logger.lines.filter((l) => l.includes(`refused to append to stream ${a.stream}`)),
        ).toHaveLength(1);
        await clear(redis.client, a.stream);
        const accepted = await a.publish();
        expect(accepted.outcome).toBe('accepted');
        expect(j.refusals.now()).toEqual([]);
        expect(
          logger.lines.filter((l) => l.includes(`appends to stream ${a.stream} again`)),
        ).toHaveLength(1);
        const ids = (await redis.client.xrange(a.stream, '-', '+')).map(
          ([, f]) => decodeRecord(f[1]).id,
        );
        expect(ids).toEqual([accepted.record.id]);
      } finally {
        await clear(redis.client, a.stream);
        Logger.overrideLogger(false);
      }
    },
  );
});
