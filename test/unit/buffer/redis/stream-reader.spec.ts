import { jest } from '@jest/globals';
import { encodeRecord } from '../../../../src/lib/buffer/record-codec.js';
import { BackgroundTasks } from '../../../../src/lib/buffer/redis/background-tasks.js';
import { GoneConsumers } from '../../../../src/lib/buffer/redis/gone-consumers.js';
import { HandedOutEntries } from '../../../../src/lib/buffer/redis/handed-out-entries.js';
import { RecordOwners } from '../../../../src/lib/buffer/redis/record-owners.js';
import type { RedisBufferOptions } from '../../../../src/lib/buffer/buffer-options.interface.js';
import { StreamAcknowledger } from '../../../../src/lib/buffer/redis/stream-acknowledger.js';
import { StreamBatches } from '../../../../src/lib/buffer/redis/stream-batches.js';
import { StreamDeadLetters } from '../../../../src/lib/buffer/redis/stream-dead-letters.js';
import { StreamGroups } from '../../../../src/lib/buffer/redis/stream-groups.js';
import { StreamReader } from '../../../../src/lib/buffer/redis/stream-reader.js';
import { StreamRefusals } from '../../../../src/lib/buffer/redis/stream-refusals.js';
import type { SourceBatch } from '../../../../src/lib/buffer/record-source.interface.js';
import { withRedisServer } from '../../../harness/redis-server.js';
import { namedId, nameOfId, records } from '../../../support/records.js';
import { redisUnit } from '../../../support/redis-unit.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const encoded = (name: string) => encodeRecord({ ...records(1, 'a')[0], id: namedId(name) });
const idsOf = (batch: SourceBatch | undefined) => batch?.records.map((r) => nameOfId(r.id)) ?? [];

withRedisServer().describe('StreamReader', () => {
  const redis = redisUnit();

  /** A reader as the source wires one, for consumer `consumer` on `prefix`'s stream `a`. */
  async function readerOf(prefix: string, more: Partial<RedisBufferOptions> = {}) {
    const connection = await redis.connect({ streamPrefix: prefix, ...more });
    const options = redis.options({ streamPrefix: prefix, ...more });
    const groups = new StreamGroups();
    groups.streams.push(`${prefix}a`);
    const handedOut = new HandedOutEntries();
    const tasks = new BackgroundTasks();
    const acks = new StreamAcknowledger(connection, groups.streams, handedOut, tasks);
    const deadLetters = new StreamDeadLetters(connection, prefix);
    const batches = new StreamBatches(groups, handedOut, acks, deadLetters);
    const { client } = connection;
    const owners = new RecordOwners(client, groups.streams, prefix, 60_000, options.consumer);
    const gone = new GoneConsumers(client, options, groups, tasks);
    const reader = new StreamReader(
      connection,
      options,
      groups,
      batches,
      handedOut,
      owners,
      acks,
      gone,
      new StreamRefusals(connection),
    );
    groups.sinks = ['store'];
    await reader.start();
    return { reader, batches, tasks, connection, stream: `${prefix}a` };
  }
  const append = async (stream: string, ids: string[]) => {
    for (const id of ids) await redis.client.xadd(stream, '*', 'r', encoded(id));
  };

  it('reads new entries batch by batch, one read ahead, and ends the pass when none are left', async () => {
    const prefix = redis.options().streamPrefix;
    const { reader, stream } = await readerOf(prefix, { consumer: 'w1' });
    await append(stream, ['a', 'b', 'c']);
    const pass = reader.reader(2);
    expect(idsOf(await pass.next())).toEqual(['a', 'b']);
    expect(idsOf(await pass.next())).toEqual(['c']);
    expect(await pass.next()).toBeUndefined();
    expect(await pass.next()).toBeUndefined();
  });

  it('after a restart, first reads again what this consumer left pending', async () => {
    const prefix = redis.options().streamPrefix;
    const first = await readerOf(prefix, { consumer: 'w1' });
    await append(first.stream, ['a', 'b']);
    const pass1 = first.reader.reader(10);
    expect(idsOf(await pass1.next())).toEqual(['a', 'b']);
    // The read ahead ends the pass: it found nothing more.
    expect(await pass1.next()).toBeUndefined();
    await append(first.stream, ['c']);
    // The same consumer again, as after a restart: its pending entries come first.
    const again = await readerOf(prefix, { consumer: 'w1' });
    const pass = again.reader.reader(10);
    expect(idsOf(await pass.next())).toEqual(['a', 'b']);
    expect(idsOf(await pass.next())).toEqual(['c']);
  });

  // An idle time no stall of a busy machine reaches between two reads, and sleeps past it.
  it('claims what another consumer left pending past claimIdleMs, and never what is under way here', async () => {
    const prefix = redis.options().streamPrefix;
    const dead = await readerOf(prefix, { consumer: 'dead', claimIdleMs: 1_000 });
    await append(dead.stream, ['a', 'b']);
    expect(idsOf(await dead.reader.reader(10).next())).toEqual(['a', 'b']);
    const live = await readerOf(prefix, { consumer: 'live', claimIdleMs: 1_000 });
    expect(await live.reader.reader(10).next()).toBeUndefined();
    await sleep(1_100);
    const claimed = await live.reader.reader(10).next();
    expect(idsOf(claimed)).toEqual(['a', 'b']);
    await sleep(1_100);
    // Its own claim, not yet acknowledged, is not claimed again from itself.
    expect(await live.reader.reader(10).next()).toBeUndefined();
    live.batches.acknowledge('store', claimed!);
    await live.tasks.settled();
    expect(((await redis.client.xpending(live.stream, 'store')) as [number])[0]).toBe(0);
  });

  it('makes the groups again when the streams are gone (a Redis without persistence restarted)', async () => {
    const prefix = redis.options().streamPrefix;
    const { reader, stream } = await readerOf(prefix, { consumer: 'w1' });
    await redis.client.del(stream);
    await append(stream, ['a']);
    expect(idsOf(await reader.reader(10).next())).toEqual(['a']);
  });

  it('ends the pass, without an error, when a key changes type again while its groups are made; the next pass reads', async () => {
    const prefix = redis.options().streamPrefix;
    const { reader, stream, connection } = await readerOf(prefix, { consumer: 'w1' });
    await redis.client.del(stream);
    // The read meets NOGROUP and makes the groups; right after, another program takes the key.
    const { client } = connection;
    const makePipeline = client.pipeline.bind(client);
    jest.spyOn(client, 'pipeline').mockImplementationOnce((...args) => {
      const made = makePipeline(...args);
      const exec = made.exec.bind(made);
      made.exec = async (...execArgs) => {
        const replies = await exec(...execArgs);
        await redis.client.set(stream, 'not a stream');
        return replies;
      };
      return made;
    });
    await expect(reader.reader(10).next()).resolves.toBeUndefined();
    expect(await redis.client.type(stream)).toBe('string');
    await redis.client.del(stream);
    await append(stream, ['a']);
    expect(idsOf(await reader.reader(10).next())).toEqual(['a']);
  });
});
