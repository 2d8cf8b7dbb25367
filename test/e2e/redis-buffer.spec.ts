import { Logger } from '@nestjs/common';
import type { TestingModule } from '@nestjs/testing';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { resolveRedisBufferOptions } from '../../src/lib/buffer/redis/redis-buffer-options.js';
import { connectRedis, streamPipeline } from '../../src/lib/buffer/redis/redis-connection.js';
import { RedisBuffer } from '../../src/lib/buffer/redis/redis-buffer.js';
import type { RedisRecordSource } from '../../src/lib/buffer/redis/redis-record-source.js';
import {
  BrokerService,
  BufferRefusedError,
  BufferUnavailableError,
  getEngineToken,
  MetadataStore,
  EngineRegistry,
  MetaqueueConfigError,
  MetaqueueHealthIndicator,
  MetaqueueMetrics,
  type MetadataEngine,
  type RedisBufferOptions,
} from '../../src/lib/index.js';
import { bootMetaqueue } from '../support/boot.js';
import { CapturingLogger } from '../support/capturing-logger.js';
import { MemorySink } from '../support/memory-sink.js';
import { idsOf, startPipeline } from '../support/pipeline.js';
import { freePort, RedisServer, withRedisServer } from '../harness/redis-server.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { settles, until } from '../support/until.js';
import { createTestDatabase, type TestDatabase } from '../harness/test-database.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const record = (i: number) => ({ data: i, name: 'n', location: 'l', context: 'c' });

withRedisServer().describe('Redis buffer', () => {
  const redis = new RedisServer();
  let client: Redis;
  const opened: RedisRecordSource[] = [];

  beforeAll(async () => {
    Logger.overrideLogger(false);
    await redis.start();
    client = new Redis(redis.url);
  });
  afterAll(async () => {
    for (const source of opened) await source.release();
    client.disconnect();
    await redis.remove();
  });

  const buffer = (options: Partial<RedisBufferOptions> = {}): RedisBufferOptions => ({
    type: 'redis',
    url: redis.url,
    streamPrefix: `e2e:${randomUUID()}:`,
    ...options,
  });
  const redisBuffer = (options: RedisBufferOptions) => () => {
    const created = new RedisBuffer(resolveRedisBufferOptions(options), 'both');
    opened.push(created.source);
    return created;
  };

  describe('a fleet of Nest apps', () => {
    let db: TestDatabase;
    const apps: TestingModule[] = [];
    beforeEach(async () => {
      // Read after the apps have closed: on PGlite, a data directory.
      db = await createTestDatabase({ reopen: true });
    });
    afterEach(async () => {
      for (const app of apps.splice(0)) await app.close();
      await db.drop();
    });

    it('a publisher with no database hands every record to a worker, which stores each once', async () => {
      const shared = buffer();
      const publisher = await bootMetaqueue({
        topics: ['jobs'],
        buffer: shared,
        broker: { role: 'publisher' },
      });
      apps.push(publisher);
      expect(publisher.get(MetadataStore)).toBeNull();
      const jobs = publisher.get<MetadataEngine<number>>(getEngineToken('jobs'));
      const ids = idsOf(
        await Promise.allSettled(Array.from({ length: 500 }, (_, i) => jobs.publish(record(i)))),
      );
      expect(ids).toHaveLength(500);
      expect(await client.xlen(`${shared.streamPrefix}jobs`)).toBe(500);

      const worker = await bootMetaqueue({
        topics: ['jobs'],
        buffer: shared,
        store: db.store,
        broker: { role: 'worker', flushIntervalMs: 20 },
      });
      apps.push(worker);
      const broker = worker.get(BrokerService);
      await until(() => broker.counters.sinks.store.written === 500);
      // Trimmed once the only group, the store's, acknowledged them all.
      await until(async () => (await client.xlen(`${shared.streamPrefix}jobs`)) === 0);
      for (const app of apps.splice(0)) await app.close();
      const rows = await db.query<{ id: string }>('SELECT id FROM metadata');
      expect(rows.map((r) => r.id).sort()).toEqual([...ids].sort());
    });

    it('a role other than both needs the shared buffer', async () => {
      await expect(
        bootMetaqueue({ topics: ['jobs'], store: false, broker: { role: 'worker' } }),
      ).rejects.toThrow(MetaqueueConfigError);
    });
  });

  it('a live worker claims what a dead one left pending past claimIdleMs, and each sink gets it once', async () => {
    const shared = buffer({ claimIdleMs: 200 });
    const deadStore = new MemorySink('store');
    deadStore.silent = true;
    const dead = await startPipeline({
      topics: [{ topic: 'a' }],
      store: deadStore,
      connectors: [new MemorySink('file')],
      broker: { flushIntervalMs: 10_000, maxBatchSize: 40 },
      buffer: redisBuffer({ ...shared, consumer: 'dead' }),
    });
    const ids = idsOf(
      await Promise.allSettled(
        Array.from({ length: 100 }, (_, i) => dead.engine('a').publish(record(i))),
      ),
    );
    void dead.broker.flush();
    await until(() => deadStore.writes > 0);
    const pending = (await client.xpending(`${shared.streamPrefix}a`, 'store')) as [number];
    expect(pending[0]).toBeGreaterThan(0);

    const store = new MemorySink('store');
    const file = new MemorySink('file');
    const live = await startPipeline({
      topics: [{ topic: 'a' }],
      store,
      connectors: [file],
      broker: { flushIntervalMs: 20 },
      buffer: redisBuffer({ ...shared, consumer: 'live' }),
    });
    await until(() => store.ids.length >= 100 && file.ids.length >= 100);
    await live.broker.flush();
    for (const sink of [store, file]) {
      expect(sink.ids).toHaveLength(100);
      expect(new Set(sink.ids)).toEqual(new Set(ids));
    }
    const [left] = (await client.xpending(`${shared.streamPrefix}a`, 'store')) as [number];
    expect(left).toBe(0);
    await live.close();
  });

  it('forgets consumers that are gone: nothing pending, idle for 10 × claimIdleMs; never one with entries pending', async () => {
    const shared = buffer({ claimIdleMs: 100 });
    const stream = `${shared.streamPrefix}a`;
    const live = await startPipeline({
      topics: [{ topic: 'a' }],
      store: new MemorySink('store'),
      broker: { flushIntervalMs: 20 },
      buffer: redisBuffer({ ...shared, consumer: 'live' }),
    });
    const consumers = async () =>
      ((await client.xinfo('CONSUMERS', stream, 'store')) as unknown[][]).map((c) => String(c[1]));
    // A worker that came and left: its name stays in the group until it is forgotten.
    await until(async () => (await client.exists(stream)) === 1);
    await client.xgroup('CREATECONSUMER', stream, 'store', 'gone');
    expect(await consumers()).toContain('gone');
    await until(async () => !(await consumers()).includes('gone'), 5_000);
    expect(await consumers()).toContain('live');
    await live.close();

    // The removal is checked and done in one step: a consumer with an entry pending stays.
    await client.xgroup('CREATE', stream, 'other', '0');
    await client.xadd(stream, '*', 'r', 'x');
    await client.xreadgroup('GROUP', 'other', 'busy', 'COUNT', 1, 'STREAMS', stream, '>');
    await client.xgroup('CREATECONSUMER', stream, 'other', 'idle');
    const scripts = connectRedis(resolveRedisBufferOptions(shared));
    const [[, busy], [, idle]] = (await streamPipeline(scripts)
      .metaqueueForgetConsumer(stream, 'other', 'busy')
      .metaqueueForgetConsumer(stream, 'other', 'idle')
      .exec())!;
    scripts.disconnect();
    expect([busy, idle]).toEqual([0, 1]);
    const left = (await client.xinfo('CONSUMERS', stream, 'other')) as unknown[][];
    expect(left.map((c) => String(c[1]))).toEqual(['busy']);
  });

  it('keeps an entry until every group has acknowledged it', async () => {
    const shared = buffer();
    const bad = new MemorySink('bad');
    bad.failing = true;
    const p = await startPipeline({
      topics: [{ topic: 'a' }],
      store: new MemorySink('store'),
      connectors: [bad],
      broker: { flushIntervalMs: 10, retryInitialDelayMs: 5, retryMaxDelayMs: 20 },
      buffer: redisBuffer(shared),
    });
    await Promise.all(Array.from({ length: 50 }, (_, i) => p.engine('a').publish(record(i))));
    await p.broker.flush({ timeoutMs: 300 }).catch(() => undefined);
    expect(await client.xlen(`${shared.streamPrefix}a`)).toBe(50);
    bad.failing = false;
    await p.broker.flush();
    await until(async () => (await client.xlen(`${shared.streamPrefix}a`)) === 0);
    await p.close();
  });

  it('reads a batch ahead: a pass that ends early leaves it to the next one, and an empty one read before never ends a pass', async () => {
    const shared = redisBuffer(buffer())();
    const engines = new EngineRegistry([{ topic: 'a' }], {}, shared);
    const buffered = shared.source;
    await buffered.start(['store']);
    const publish = (from: number, n: number) =>
      Promise.all(
        Array.from({ length: n }, (_, i) => engines.get<number>('a').publish(record(from + i))),
      );
    const published = (await publish(0, 20)).map((r) => r!.id);
    // A pass that stops after its first batch, its read of the next already under way.
    const first = (await buffered.reader(10).next())!;
    published.push(...(await publish(20, 5)).map((r) => r!.id));
    const handedOut = [first];
    const reader = buffered.reader(10);
    for (let batch = await reader.next(); batch; batch = await reader.next()) handedOut.push(batch);
    expect(handedOut.flatMap((b) => b.records.map((r) => r.id))).toEqual(published);
    // A pass that stops after a batch whose read ahead finds nothing,
    const alone = (await publish(25, 3)).map((r) => r!.id);
    const lastBatch = (await buffered.reader(10).next())!;
    expect(lastBatch.records.map((r) => r.id)).toEqual(alone);
    handedOut.push(lastBatch);
    await sleep(50);
    // then records published after that empty read: the next pass reads them.
    const later = (await publish(28, 2)).map((r) => r!.id);
    const next = (await buffered.reader(10).next())!;
    expect(next.records.map((r) => r.id)).toEqual(later);
    for (const batch of [...handedOut, next]) buffered.acknowledge('store', batch);
    expect(buffered.inFlight).toBe(0);
  });

  it('never hands out again entries whose acknowledgement is answered with a read of them as pending', async () => {
    const proxy = await new TcpProxy('127.0.0.1', redis.port).start();
    const options = resolveRedisBufferOptions(buffer({ url: `redis://127.0.0.1:${proxy.port}` }));
    const shared = new RedisBuffer(options, 'both');
    const engines = new EngineRegistry([{ topic: 'a' }], {}, shared);
    const buffered = shared.source;
    try {
      await buffered.start(['store']);
      const published = await Promise.all(
        Array.from({ length: 20 }, (_, i) => engines.get<number>('a').publish(record(i))),
      );
      const first = (await buffered.reader(100).next())!;
      expect(first.records).toHaveLength(20);
      // After a cut connection, a read goes through this consumer's pending entries first.
      proxy.cutAll();
      await until(() => buffered.report().streams!().then(Boolean, () => false));
      const replies = proxy.holdReplies();
      const second = buffered.reader(100).next();
      await until(() => replies.text().includes(published[0]!.id));
      // Sent after the read: Redis read the entries as pending, then acknowledged them,
      buffered.acknowledge('store', first);
      await until(() => replies.text().endsWith(':20\r\n'));
      // and the client gets both answers in one read.
      replies.release();
      expect(await second).toBeUndefined();
    } finally {
      await buffered.release();
      await proxy.stop();
    }
  });

  it('never shows credentials: neither a bad url nor an unreachable server', async () => {
    const port = await freePort();
    const badUrl = (() => {
      try {
        resolveRedisBufferOptions({ type: 'redis', url: 'redis//user:s3cret-pw@127.0.0.1' });
      } catch (error) {
        return error as Error;
      }
    })();
    expect(badUrl).toBeInstanceOf(MetaqueueConfigError);
    expect(badUrl!.message).not.toContain('s3cret-pw');
    const logger = new CapturingLogger();
    Logger.overrideLogger(logger);
    try {
      const p = await startPipeline({
        topics: [{ topic: 'a', overflow: 'error' }],
        store: new MemorySink('store'),
        buffer: redisBuffer(buffer({ url: `redis://user:s3cret-pw@127.0.0.1:${port}/0` })),
      });
      const error = await p
        .engine('a')
        .publish(record(1))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BufferUnavailableError);
      expect(String((error as Error).message)).not.toContain('s3cret-pw');
      await until(() => logger.lines.some((l) => l.includes('cannot be reached')));
      expect(logger.lines.join('\n')).not.toContain('s3cret-pw');
      expect(logger.lines.join('\n')).toContain(`127.0.0.1:${port}`);
      await p.close();
    } finally {
      Logger.overrideLogger(false);
    }
  });

  it('while Redis is down: each policy acts and is counted, health is down, and it all flows again after', async () => {
    const own = new RedisServer();
    await own.start();
    const app = await bootMetaqueue({
      topics: [
        { topic: 'blocking', overflow: 'block', blockTimeoutMs: 150 },
        { topic: 'waiting', overflow: 'block' },
        { topic: 'erring', overflow: 'error' },
        { topic: 'dropping', overflow: 'drop-newest' },
      ],
      buffer: buffer({ url: own.url }),
      store: false,
      connectors: [{ name: 'file', write: () => Promise.resolve() }],
      broker: { flushIntervalMs: 20 },
    });
    const engine = (t: string) => app.get<MetadataEngine<number>>(getEngineToken(t));
    const health = app.get(MetaqueueHealthIndicator);
    const metrics = app.get(MetaqueueMetrics);
    await engine('erring').publish(record(0));
    expect(health.isHealthy().metaqueue.status).toBe('up');
    expect((await metrics.scrape()).body).toMatch(
      /metaqueue_stream_length\{stream="e2e:.*:erring"\} 1/,
    );

    await settles(app.get(BrokerService).flush(), 'the flush before the outage');
    await settles(own.stop(), 'stopping Redis');
    await until(() => health.isHealthy().metaqueue.status === 'down');
    expect(health.isHealthy().metaqueue.bufferUnreachable).toBe(true);
    await expect(engine('erring').publish(record(1))).rejects.toThrow(BufferUnavailableError);
    await expect(engine('dropping').publish(record(1))).resolves.toBeUndefined();
    await expect(engine('blocking').publish(record(1))).rejects.toThrow(/stayed full/);
    const waited = engine('waiting').publish(record(1));
    expect((await metrics.scrape()).body).toContain('metaqueue_buffer_reachable 0');

    await settles(own.start(), 'starting Redis again');
    await expect(settles(waited, 'the waiting publish, Redis back')).resolves.toEqual(
      expect.objectContaining({ data: 1 }),
    );
    await until(() => health.isHealthy().metaqueue.status === 'up');
    const c = (t: string) => engine(t).counters;
    expect(c('erring')).toMatchObject({ published: 2, accepted: 1, rejected: { unavailable: 1 } });
    expect(c('dropping')).toMatchObject({
      published: 1,
      accepted: 0,
      dropped: { 'drop-newest': 1 },
    });
    expect(c('blocking')).toMatchObject({ published: 1, accepted: 0, rejected: { timeout: 1 } });
    expect(c('waiting')).toMatchObject({ published: 1, accepted: 1, waiting: 0 });
    await settles(app.get(BrokerService).flush(), 'the flush after the outage');
    expect(app.get(BrokerService).counters.sinks.file.written).toBe(2);
    await settles(app.close(), 'closing the app');
    await settles(own.remove(), 'removing Redis');
  });

  it('rejects a publish whose append Redis refuses with its reason, shows it in health and /metrics, and recovers', async () => {
    const options = buffer();
    const logger = new CapturingLogger();
    const app = await bootMetaqueue({
      topics: [{ topic: 'refused', overflow: 'error' }],
      buffer: options,
      store: false,
      connectors: [{ name: 'file', write: () => Promise.resolve() }],
      broker: { flushIntervalMs: 20 },
    });
    const engine = app.get<MetadataEngine<number>>(getEngineToken('refused'));
    const health = app.get(MetaqueueHealthIndicator);
    const stream = `${options.streamPrefix}refused`;
    await engine.publish(record(0));
    await app.get(BrokerService).flush();
    // Another program takes the stream's key: appends meet WRONGTYPE.
    await client.del(stream);
    await client.set(stream, 'not a stream');
    Logger.overrideLogger(logger);
    const refused = engine.publish(record(1));
    await expect(refused).rejects.toThrow(BufferRefusedError);
    await expect(refused).rejects.toThrow(
      `Redis refused to append to stream ${stream} (WRONGTYPE Operation against a key holding the wrong kind of value`,
    );
    const down = health.isHealthy().metaqueue;
    expect(down).toMatchObject({
      status: 'down',
      bufferRefused: expect.arrayContaining([expect.stringContaining(`appends to ${stream}`)]),
    });
    expect(down.bufferUnreachable).toBeUndefined();
    const body = (await app.get(MetaqueueMetrics).scrape()).body;
    expect(body).toContain(
      `metaqueue_stream_refusals_total{stream="${stream}",command="append",code="WRONGTYPE"} 1`,
    );
    expect(body).toContain('metaqueue_rejected_total{topic="refused",reason="refused"} 1');
    expect(body).toContain('metaqueue_buffer_reachable 1');

    // The reads, too, met the key: its groups are made again once it is a stream.
    await until(() => logger.lines.some((l) => l.includes('make the consumer groups of')));
    await sleep(200);
    await client.del(stream);
    await expect(engine.publish(record(2))).resolves.toEqual(expect.objectContaining({ data: 2 }));
    await until(() => health.isHealthy().metaqueue.status === 'up');
    Logger.overrideLogger(false);
    // Each cause once when it starts and once when it clears, however many passes met it.
    const about = (text: string) => logger.lines.filter((l) => l.includes(text)).length;
    expect(about(`refused to append to stream ${stream}`)).toBe(1);
    expect(about(`refused to make the consumer groups of stream ${stream}`)).toBe(1);
    expect(about(`appends to stream ${stream} again`)).toBe(1);
    expect(about(`has the consumer groups of stream ${stream} again`)).toBe(1);
    expect(logger.lines.filter((l) => l.includes('Flush failed'))).toEqual([]);
    expect(engine.counters).toMatchObject({
      published: 3,
      accepted: 2,
      rejected: { refused: 1 },
    });
    await app.close();
  });
});
