import { encodeRecord } from '../../../../src/lib/buffer/record-codec.js';
import { BackgroundTasks } from '../../../../src/lib/buffer/redis/background-tasks.js';
import { HandedOutEntries } from '../../../../src/lib/buffer/redis/handed-out-entries.js';
import { StreamAcknowledger } from '../../../../src/lib/buffer/redis/stream-acknowledger.js';
import { StreamBatches } from '../../../../src/lib/buffer/redis/stream-batches.js';
import { StreamGroups } from '../../../../src/lib/buffer/redis/stream-groups.js';
import type { GroupRead } from '../../../../src/lib/buffer/redis/stream-replies.js';
import type { MetadataRecord } from '../../../../src/lib/record/metadata.interface.js';
import { withRedisServer } from '../../../harness/redis-server.js';
import { records } from '../../../support/records.js';
import { redisUnit } from '../../../support/redis-unit.js';

const record = (id: string): MetadataRecord => ({ ...records(1, 'a')[0], id });
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
    return { stream, handedOut, tasks, made: new StreamBatches(groups, handedOut, acks) };
  }

  it('decodes each record once, in stream order, for groups that read in step', async () => {
    const { stream, handedOut, made } = await batches();
    const entries = [entry('1-0', 'x'), entry('2-0', 'y')];
    const batch = made.of([
      { group: 'store', stream, entries },
      { group: 'file', stream, entries },
    ])!;
    expect(batch.records.map((r) => r.id)).toEqual(['x', 'y']);
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
    const batch = made.of(read)!;
    expect(batch.records.map((r) => r.id)).toEqual(['x', 'y']);
    expect(batch.forSink!.get('store')!.map((r) => r.id)).toEqual(['y']);
    expect(batch.forSink!.get('file')!.map((r) => r.id)).toEqual(['x', 'y']);
  });

  it('acknowledges at once an entry deleted while pending, and makes no batch of nothing', async () => {
    const { stream, tasks, made } = await batches();
    const id = await redis.client.xadd(stream, '*', 'r', encodeRecord(record('gone')));
    await redis.client.xreadgroup('GROUP', 'store', 'me', 'STREAMS', stream, '>');
    expect(made.of([{ group: 'store', stream, entries: [[id!, null]] }])).toBeUndefined();
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
    const batch = made.of([
      { group: 'store', stream, entries },
      { group: 'file', stream, entries },
    ])!;
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
});
