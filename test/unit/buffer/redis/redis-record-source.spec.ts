import { RedisRecordSource } from '../../../../src/lib/buffer/redis/redis-record-source.js';
import { MetaQueue, type MetadataRecord } from '../../../../src/lib/index.js';
import { withRedisServer } from '../../../harness/redis-server.js';
import { records } from '../../../support/records.js';
import { redisUnit } from '../../../support/redis-unit.js';
import { until } from '../../../support/until.js';

withRedisServer().describe('RedisRecordSource', () => {
  const redis = redisUnit();

  it('hands out what its intakes appended, to each sink once, and forgets it once both acknowledged', async () => {
    const options = redis.options();
    const source = new RedisRecordSource(options);
    const intake = source.intake('t', new MetaQueue<MetadataRecord>({ bufferSize: 10 }));
    await source.start(['store', 'file']);
    const published = records(3);
    await Promise.all(published.map(async (r) => intake.offer(r, () => undefined)));
    const batch = (await source.reader(10).next())!;
    expect(batch.records.map((r) => r.id)).toEqual(published.map((r) => r.id));
    expect(source.inFlight).toBe(3);
    source.acknowledge('store', batch);
    expect(source.inFlight).toBe(3);
    source.acknowledge('file', batch);
    expect(source.inFlight).toBe(0);
    source.close();
    await source.release();
    await source.release();
  });

  it('reports where records wait and whether Redis answers, and reads the streams when asked', async () => {
    const source = new RedisRecordSource(redis.options());
    const intake = source.intake('t', new MetaQueue<MetadataRecord>());
    try {
      await source.start(['store']);
      // Settled by Redis's answer: connected from here on.
      await intake.offer(records(1)[0], () => undefined);
      const report = source.report();
      expect(report.keptIn).toBe('the Redis streams');
      expect(report.reachable).toBe(true);
      const batch = await source.reader(10).next();
      const [stream] = await report.streams!();
      expect(stream.length).toBe(1);
      expect(stream.groups).toEqual([{ group: 'store', pending: 1, lag: 0 }]);
      source.acknowledge('store', batch!);
    } finally {
      await source.release();
    }
  });

  it("gives a sink that keeps a copy the fleet's guard: a writer name of its own, batches written whole", async () => {
    const options = redis.options({ consumer: 'worker-1' });
    const source = new RedisRecordSource(options);
    source.intake('t', new MetaQueue<MetadataRecord>());
    await source.start(['file']);
    const guard = source.replayGuard('file');
    expect(await guard.open()).toMatch(/^worker-1\//);
    const written: string[] = [];
    const batch = records(2);
    await guard.admit(batch, (admitted) => {
      written.push(...admitted.map((r) => r.id));
      return Promise.resolve();
    });
    expect(written).toEqual(batch.map((r) => r.id));
    await source.release();
  });

  it('with a stream key of another type at start, says what Redis refuses, reads the other streams, and recovers once the key is fixed', async () => {
    const options = redis.options();
    const source = new RedisRecordSource(options);
    const bad = source.intake('bad', new MetaQueue<MetadataRecord>({ overflow: 'error' }));
    const good = source.intake('good', new MetaQueue<MetadataRecord>());
    const badStream = `${options.streamPrefix}bad`;
    await redis.client.set(badStream, 'not a stream');
    const [goodRecord, badRecord] = [...records(1, 'good'), ...records(1, 'bad')];
    try {
      // Settled by Redis's answer: connected when the groups are made.
      expect(await good.offer(goodRecord, () => undefined)).toBe('accepted');
      await source.start(['store']);
      const refusedGroups = {
        stream: badStream,
        command: 'create-group',
        code: 'WRONGTYPE',
        reason: expect.any(String),
      };
      expect(source.report()).toMatchObject({ reachable: true, refused: [refusedGroups] });
      expect(await bad.offer(badRecord, () => undefined)).toMatchObject({
        refused: { stream: badStream, command: 'append', code: 'WRONGTYPE' },
      });
      const first = await source.reader(10).next();
      expect(first?.records.map((r) => r.id)).toEqual([goodRecord.id]);
      source.acknowledge('store', first!);

      await redis.client.del(badStream);
      // The reads try the groups again, backing off, until Redis makes them.
      await until(async () => {
        await source.reader(10).next();
        return source.report().refused?.every((r) => r.command !== 'create-group') ?? false;
      });
      expect(source.report().reachable).toBe(true);
      expect(await bad.offer(badRecord, () => undefined)).toBe('accepted');
      expect(source.report().refused).toEqual([]);
      const batch = await source.reader(10).next();
      expect(batch?.records.map((r) => r.id)).toEqual([badRecord.id]);
      source.acknowledge('store', batch!);
    } finally {
      source.close();
      await source.release();
    }
  });
});
