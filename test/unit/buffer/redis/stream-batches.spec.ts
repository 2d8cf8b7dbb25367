import { encodeRecord } from '../../../../src/lib/buffer/record-codec.js';
import { BackgroundTasks } from '../../../../src/lib/buffer/redis/background-tasks.js';
import { HandedOutEntries } from '../../../../src/lib/buffer/redis/handed-out-entries.js';
import { StreamAcknowledger } from '../../../../src/lib/buffer/redis/stream-acknowledger.js';
import { StreamBatches } from '../../../../src/lib/buffer/redis/stream-batches.js';
import { StreamDeadLetters } from '../../../../src/lib/buffer/redis/stream-dead-letters.js';
import { StreamGroups } from '../../../../src/lib/buffer/redis/stream-groups.js';
import { groupRead, type GroupRead } from '../../../../src/lib/buffer/redis/stream-replies.js';
import type { MetadataRecord } from '../../../../src/lib/record/metadata.interface.js';
import { withRedisServer } from '../../../harness/redis-server.js';
import { namedId, nameOfId, records } from '../../../support/records.js';
import { redisUnit } from '../../../support/redis-unit.js';
import {
  badRecordEntries,
  foreignEntries,
  pendingIn,
  readDeadLetters,
} from '../../../support/foreign-entries.js';

const record = (name: string): MetadataRecord => ({ ...records(1, 'a')[0], id: namedId(name) });
const entry = (id: string, recordId: string): [string, string[]] => [
  id,
  ['r', encodeRecord(record(recordId))],
];

withRedisServer().describe('StreamBatches', () => {
  const redis = redisUnit();

  async function batches() {
    const connection = await redis.connect();
    const stream = `${redis.options().streamPrefix}a`;
    const groups = new StreamGroups();
    groups.streams.push(stream);
    groups.sinks = ['store', 'file'];
    for (const group of groups.sinks) {
      await redis.client.xgroup('CREATE', stream, group, '0', 'MKSTREAM');
    }
    const handedOut = new HandedOutEntries();
    const tasks = new BackgroundTasks();
    const acks = new StreamAcknowledger(connection, groups.streams, handedOut, tasks);
    const deadLetters = new StreamDeadLetters(connection, redis.options().streamPrefix);
    const made = new StreamBatches(groups, handedOut, acks, deadLetters);
    return { stream, handedOut, tasks, deadLetters, made };
  }

  it('decodes each record once, in stream order, for groups that read in step', async () => {
    const { stream, handedOut, made } = await batches();
    const entries = [entry('1-0', 'x'), entry('2-0', 'y')];
    const batch = (await made.of([
      { group: 'store', stream, entries },
      { group: 'file', stream, entries },
    ]))!;
    expect(batch.records.map((r) => nameOfId(r.id))).toEqual(['x', 'y']);
    expect(batch.forSink).toBeUndefined();
    expect(made.records).toBe(2);
    expect(handedOut.has('file', stream, '2-0')).toBe(true);
  });

  it("gives each sink only its own group's entries when the groups differ, merged in order", async () => {
    const { stream, made } = await batches();
    const read: GroupRead = [
      { group: 'store', stream, entries: [entry('2-0', 'y')] },
      { group: 'file', stream, entries: [entry('1-0', 'x'), entry('2-0', 'y')] },
    ];
    const batch = (await made.of(read))!;
    expect(batch.records.map((r) => nameOfId(r.id))).toEqual(['x', 'y']);
    expect(batch.forSink!.get('store')!.map((r) => nameOfId(r.id))).toEqual(['y']);
    expect(batch.forSink!.get('file')!.map((r) => nameOfId(r.id))).toEqual(['x', 'y']);
  });

  it('acknowledges at once an entry deleted while pending, and makes no batch of nothing', async () => {
    const { stream, tasks, made } = await batches();
    const id = await redis.client.xadd(stream, '*', 'r', encodeRecord(record('gone')));
    await redis.client.xreadgroup('GROUP', 'store', 'me', 'STREAMS', stream, '>');
    expect(await made.of([{ group: 'store', stream, entries: [[id!, null]] }])).toBeUndefined();
    await tasks.settled();
    expect(((await redis.client.xpending(stream, 'store')) as [number])[0]).toBe(0);
  });

  it("sends each sink's acknowledgement once, and lets the batch go with the last", async () => {
    const { stream, tasks, made } = await batches();
    const ids: string[] = [];
    for (const r of ['x', 'y']) ids.push((await redis.client.xadd(stream, '*', 'r', r))!);
    for (const group of ['store', 'file']) {
      await redis.client.xreadgroup('GROUP', group, 'me', 'STREAMS', stream, '>');
    }
    const entries = ids.map((id, i) => entry(id, `r${i}`));
    const batch = (await made.of([
      { group: 'store', stream, entries },
      { group: 'file', stream, entries },
    ]))!;
    made.acknowledge('store', batch);
    made.acknowledge('store', batch);
    await tasks.settled();
    expect(((await redis.client.xpending(stream, 'store')) as [number])[0]).toBe(0);
    expect(((await redis.client.xpending(stream, 'file')) as [number])[0]).toBe(2);
    expect(made.records).toBe(2);
    made.acknowledge('file', batch);
    await tasks.settled();
    expect(made.records).toBe(0);
  });

  it('moves every foreign shape aside in the read it came in: the records flow, nothing stays pending', async () => {
    const { stream, tasks, deadLetters, made } = await batches();
    const valid = records(6, 'a');
    const shapes = [...foreignEntries, ...badRecordEntries];
    const foreignIds: string[] = [];
    for (const [i, record] of valid.entries()) {
      await redis.client.xadd(stream, '*', 'r', encodeRecord(record));
      for (const { fields } of shapes.slice(i * 2, i * 2 + 2)) {
        foreignIds.push((await redis.client.xadd(stream, '*', ...fields))!);
      }
    }
    const read: GroupRead = [];
    for (const group of ['store', 'file']) {
      read.push(
        ...groupRead(
          group,
          await redis.client.xreadgroup('GROUP', group, 'me', 'STREAMS', stream, '>'),
        ),
      );
    }
    const batch = (await made.of(read))!;
    expect(batch.records.map((r) => r.id)).toEqual(valid.map((r) => r.id));
    expect(batch.forSink).toBeUndefined();
    const dead = await readDeadLetters(redis.client, deadLetters.key);
    expect(dead.map((d) => d.id)).toEqual(foreignIds);
    expect(dead.map((d) => d.fields)).toEqual(shapes.map((s) => s.fields));
    expect(new Set(dead.map((d) => d.stream))).toEqual(new Set([stream]));
    expect(deadLetters.moved).toEqual({ [stream]: shapes.length });
    made.acknowledge('store', batch);
    made.acknowledge('file', batch);
    await tasks.settled();
    for (const group of ['store', 'file'])
      expect(await pendingIn(redis.client, stream, group)).toBe(0);
  });

  it('moves a foreign entry aside when the groups read apart, and a group that had not read it never does', async () => {
    const { stream, deadLetters, made } = await batches();
    const [x] = records(1, 'a');
    const foreignId = (await redis.client.xadd(stream, '*', 'r', 'notjson'))!;
    await redis.client.xadd(stream, '*', 'r', encodeRecord(x));
    const storeRead = groupRead(
      'store',
      await redis.client.xreadgroup('GROUP', 'store', 'me', 'STREAMS', stream, '>'),
    );
    const batch = (await made.of(storeRead))!;
    expect(batch.forSink!.get('store')!.map((r) => r.id)).toEqual([x.id]);
    expect((await readDeadLetters(redis.client, deadLetters.key)).map((d) => d.id)).toEqual([
      foreignId,
    ]);
    const fileRead = groupRead(
      'file',
      await redis.client.xreadgroup('GROUP', 'file', 'me', 'STREAMS', stream, '>'),
    );
    expect(fileRead[0].entries.map(([id]) => id)).not.toContain(foreignId);
    expect(deadLetters.moved).toEqual({ [stream]: 1 });
  });
});
