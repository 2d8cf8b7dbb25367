import { decodeRecord } from '../../../../src/lib/buffer/record-codec.js';
import { RedisConnection } from '../../../../src/lib/buffer/redis/redis-connection.js';
import { MetadataEngine } from '../../../../src/lib/engine/metadata-engine.js';
import { streamJournal } from '../../../support/redis-journal.js';
import { RedisServer, withRedisServer } from '../../../harness/redis-server.js';
import { redisUnit } from '../../../support/redis-unit.js';
import { until } from '../../../support/until.js';

withRedisServer().describe('StreamJournal', () => {
  const redis = redisUnit();
  const journalOf = async () => {
    const options = redis.options();
    return streamJournal(await redis.connect(options), options.streamPrefix);
  };

  it('settles a publish once Redis has appended its record', async () => {
    const j = await journalOf();
    const a = j.topic('a');
    const outcomes = await Promise.all([a.publish(), a.publish()]);
    expect(outcomes.map((o) => o.outcome)).toEqual(['accepted', 'accepted']);
    expect(await redis.client.xlen(a.stream)).toBe(2);
    expect(j.journal.waiting).toBe(0);
    expect(j.appended).toBe(2);
  });

  it.each([
    ['error', 'full'],
    ['drop-newest', 'dropped-newest'],
  ] as const)('with %s, a record the full stream refused gets %s', async (overflow, refused) => {
    const j = await journalOf();
    const a = j.topic('a', { overflow, maxLen: 2 });
    const outcomes = await Promise.all([a.publish(), a.publish(), a.publish()]);
    expect(outcomes.map((o) => o.outcome)).toEqual(['accepted', 'accepted', refused]);
    expect(await redis.client.xlen(a.stream)).toBe(2);
  });

  it('with drop-oldest, pushes out entries no group has been handed, and accounts for each', async () => {
    const j = await journalOf();
    const a = j.topic('a', { overflow: 'drop-oldest', maxLen: 2 });
    const first = await Promise.all([a.publish(), a.publish()]);
    const later = await Promise.all([a.publish(), a.publish(), a.publish()]);
    // Three in place of two: as if each pushed out the oldest, one by one.
    expect(j.evicted).toEqual([first[0].record.id, first[1].record.id, later[0].record.id]);
    expect(later.map((o) => o.outcome)).toEqual([
      'dropped-oldest',
      'dropped-oldest',
      'dropped-oldest',
    ]);
    const values = (await redis.client.xrange(a.stream, '-', '+')).map(([, f]) => f[1]);
    expect(values.map((v) => decodeRecord(v).id)).toEqual([later[1].record.id, later[2].record.id]);
  });

  it('with drop-oldest, pushes out an entry another program wrote without counting it as ours', async () => {
    const j = await journalOf();
    const a = j.topic('a', { overflow: 'drop-oldest', maxLen: 2 });
    await redis.client.xadd(a.stream, '*', 'r', 'not a record');
    const outcomes = await Promise.all([a.publish(), a.publish()]);
    expect(outcomes.map((o) => o.outcome)).toEqual(['accepted', 'accepted']);
    expect(j.evicted).toEqual([]);
    expect(await redis.client.xlen(a.stream)).toBe(2);
  });

  it("with drop-oldest, pushes out another publisher's entries without counting them against this engine", async () => {
    const options = redis.options();
    const connection = await redis.connect(options);
    // Two replicas of one app: one stream, two publishers.
    const [first, second] = [0, 1].map(() => streamJournal(connection, options.streamPrefix));
    const a = first.topic('a', { overflow: 'drop-oldest', maxLen: 2 });
    const b = second.topic('a', { overflow: 'drop-oldest', maxLen: 2 });
    await Promise.all([a.publish(), a.publish()]);
    const engine = new MetadataEngine('a', b.queue, b.intake);
    const dropped: string[] = [];
    engine.onDropped((record) => dropped.push(record.id));
    const published = await Promise.all(
      [0, 1, 2].map((data) => engine.publish({ data, name: 'n', location: 'l', context: 'c' })),
    );
    // The first replica's two entries made room for two; the batch's own first record went too.
    expect(dropped).toEqual([published[0]!.id]);
    const { accepted, dropped: drops } = engine.counters;
    expect({ accepted, drops }).toEqual({
      accepted: 2,
      drops: { 'drop-newest': 0, 'drop-oldest': 1 },
    });
    expect(second.journal.evictedOthers).toEqual({ [b.stream]: 2 });
    expect(first.evicted).toEqual([]);
    const values = (await redis.client.xrange(b.stream, '-', '+')).map(([, f]) => f[1]);
    expect(values.map((v) => decodeRecord(v).id)).toEqual([published[1]!.id, published[2]!.id]);
  });

  describe('when Redis refuses the append (the stream key holds a string)', () => {
    const refusedTopic = async (
      options: Parameters<ReturnType<typeof streamJournal>['topic']>[1],
    ) => {
      const j = await journalOf();
      const a = j.topic('a', options);
      await redis.client.set(a.stream, 'not a stream');
      return { j, a };
    };

    it("with error, rejects with the stream and Redis's reason", async () => {
      const { a } = await refusedTopic({ overflow: 'error' });
      expect((await a.publish()).outcome).toEqual({
        refused: {
          stream: a.stream,
          command: 'append',
          code: 'WRONGTYPE',
          reason: expect.stringMatching(
            /^WRONGTYPE Operation against a key holding the wrong kind of value/,
          ),
        },
      });
    });

    it.each(['drop-newest', 'drop-oldest'] as const)(
      'with %s, drops the new record: nothing older can be pushed out',
      async (overflow) => {
        const { a } = await refusedTopic({ overflow });
        expect((await a.publish()).outcome).toBe('dropped-newest');
      },
    );

    it('with block, gives up after blockTimeoutMs', async () => {
      const { a } = await refusedTopic({ overflow: 'block', blockTimeoutMs: 100 });
      expect((await a.publish()).outcome).toBe('timeout');
    });

    it('with block and no limit, waits, and is appended once Redis accepts appends again', async () => {
      const { j, a } = await refusedTopic({ overflow: 'block' });
      const waiting = a.publish();
      await until(() => j.refusals.counted()[0]?.refusals >= 2);
      expect(j.journal.waiting).toBe(1);
      await redis.client.del(a.stream);
      const { record, outcome } = await waiting;
      expect(outcome).toBe('accepted');
      const values = (await redis.client.xrange(a.stream, '-', '+')).map(([, f]) => f[1]);
      expect(values.map((v) => decodeRecord(v).id)).toEqual([record.id]);
    });
  });

  it('with block, gives up on a full stream after blockTimeoutMs from the publish', async () => {
    const j = await journalOf();
    const a = j.topic('a', { overflow: 'block', blockTimeoutMs: 150, maxLen: 1 });
    await a.publish();
    expect((await a.publish()).outcome).toBe('timeout');
  });

  it('with block, waits for room in the stream, and is accepted once there is', async () => {
    const j = await journalOf();
    // A limit no busy machine reaches: this case is about the wait, not the limit.
    const a = j.topic('a', { overflow: 'block', blockTimeoutMs: 60_000, maxLen: 1 });
    await a.publish();
    const waiting = a.publish();
    await until(() => j.journal.waiting === 1);
    await redis.client.del(a.stream);
    expect((await waiting).outcome).toBe('accepted');
  });

  it('sends records queued behind those held for room once the stream has room', async () => {
    const j = await journalOf();
    const a = j.topic('a', { overflow: 'block', bufferSize: 2, maxLen: 2 });
    const publishes = Array.from({ length: 6 }, () => a.publish());
    await until(async () => (await redis.client.xlen(a.stream)) === 2);
    for (let i = 0; i < 2; i++) {
      await redis.client.del(a.stream);
      await until(async () => (await redis.client.xlen(a.stream)) === 2);
    }
    const outcomes = await Promise.all(publishes);
    expect(outcomes.every((o) => o.outcome === 'accepted')).toBe(true);
  });

  it('while Redis cannot be reached, each policy acts at once, block waits, and close settles the rest', async () => {
    const own = await new RedisServer().start();
    const options = redis.options({ url: own.url, connection: { retryStrategy: () => 20 } });
    const connection = new RedisConnection(options);
    try {
      await connection.ready();
      const j = streamJournal(connection, options.streamPrefix);
      const erring = j.topic('erring', { overflow: 'error' });
      const dropping = j.topic('dropping', { overflow: 'drop-oldest' });
      const blocking = j.topic('blocking', { overflow: 'block', blockTimeoutMs: 100 });
      const waiting = j.topic('waiting', { overflow: 'block' });
      await own.stop();
      await until(() => !connection.available);
      expect((await erring.publish()).outcome).toBe('unavailable');
      // Nothing older can be reached to make room: the new record goes.
      expect((await dropping.publish()).outcome).toBe('dropped-newest');
      expect((await blocking.publish()).outcome).toBe('timeout');
      const waited = waiting.publish();
      await until(() => j.journal.waiting >= 1);
      j.journal.close();
      expect((await waited).outcome).toBe('closed');
      expect((await waiting.publish()).outcome).toBe('closed');
    } finally {
      await connection.close();
      await own.remove();
    }
  });
});
