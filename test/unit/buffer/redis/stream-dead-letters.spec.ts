import { Logger } from '@nestjs/common';
import {
  deadLetterStream,
  StreamDeadLetters,
  type ForeignEntry,
} from '../../../../src/lib/buffer/redis/stream-dead-letters.js';
import { withRedisServer } from '../../../harness/redis-server.js';
import { CapturingLogger } from '../../../support/capturing-logger.js';
import { pendingIn, readDeadLetters } from '../../../support/foreign-entries.js';
import { redisUnit } from '../../../support/redis-unit.js';

withRedisServer().describe('StreamDeadLetters', () => {
  const redis = redisUnit();
  const logger = new CapturingLogger();
  beforeEach(() => {
    logger.lines.splice(0);
    Logger.overrideLogger(logger);
  });
  afterEach(() => {
    Logger.overrideLogger(false);
  });

  /** A stream with groups store and file, a foreign entry read by both, and a mover. */
  async function foreignRead(fields: string[] = ['r', 'not\njson']) {
    const connection = await redis.connect();
    const prefix = redis.options().streamPrefix;
    const stream = `${prefix}a`;
    for (const group of ['store', 'file']) {
      await redis.client.xgroup('CREATE', stream, group, '0', 'MKSTREAM');
    }
    const id = (await redis.client.xadd(stream, '*', ...fields))!;
    for (const group of ['store', 'file']) {
      await redis.client.xreadgroup('GROUP', group, 'me', 'STREAMS', stream, '>');
    }
    const entry: ForeignEntry = { stream, id, fields, fault: 'not-json' };
    return { stream, id, entry, deadLetters: new StreamDeadLetters(connection, prefix) };
  }

  it('keeps its dead letters under the prefix itself, a key no topic stream can have', () => {
    expect(deadLetterStream('metaqueue:')).toBe('metaqueue:');
  });

  it('moves an entry once, acknowledged for every group, however often it is asked to', async () => {
    const { stream, id, entry, deadLetters } = await foreignRead();
    await deadLetters.moveAside([entry]);
    await deadLetters.moveAside([entry]);
    const dead = await readDeadLetters(redis.client, deadLetters.key);
    expect(dead).toEqual([
      { stream, id, reason: "its field 'r' is not JSON", fields: ['r', 'not\njson'] },
    ]);
    expect(await redis.client.xrange(stream, '-', '+')).toEqual([]);
    for (const group of ['store', 'file'])
      expect(await pendingIn(redis.client, stream, group)).toBe(0);
    expect(deadLetters.moved).toEqual({ [stream]: 1 });
  });

  it('logs each entry it moved once, with stream and entry id, and what it held escaped', async () => {
    const { stream, id, entry, deadLetters } = await foreignRead();
    await deadLetters.moveAside([entry]);
    await deadLetters.moveAside([entry]);
    const lines = logger.lines.filter((l) => l.includes(id));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`Redis stream ${stream}: entry ${id} is not a record`);
    expect(lines[0]).toContain('"r=not\\njson"');
    expect(lines[0]).not.toContain('\n');
  });

  it('leaves an entry it could not move pending, says so, and moves it when asked again', async () => {
    const { stream, entry, deadLetters } = await foreignRead();
    await redis.client.set(deadLetters.key, 'not a stream');
    await deadLetters.moveAside([entry]);
    expect(logger.lines.join('\n')).toContain('Could not move 1 foreign entries');
    expect(await pendingIn(redis.client, stream, 'store')).toBe(1);
    expect(deadLetters.moved).toEqual({});
    await redis.client.del(deadLetters.key);
    await deadLetters.moveAside([entry]);
    expect(await pendingIn(redis.client, stream, 'store')).toBe(0);
    expect(deadLetters.moved).toEqual({ [stream]: 1 });
  });
});
