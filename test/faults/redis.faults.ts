import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { join } from 'node:path';
import {
  BufferRefusedError,
  MetadataStore,
  MetaqueueHealthIndicator,
  type OverflowPolicy,
  type RedisBufferOptions,
} from '../../src/lib/index.js';
import { startRedisWorker } from '../harness/redis-worker.js';
import { RedisServer } from '../harness/redis-server.js';
import { CapturingLogger } from '../support/capturing-logger.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { acceptedIdsOf, FaultWorld, publishers } from './harness.js';
import { score } from './scorecard.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const policies: OverflowPolicy[] = ['block', 'drop-oldest', 'drop-newest', 'error'];
const record = (i: number, p: number, context: string) => ({
  data: i,
  name: 'load',
  location: `p${p}`,
  context,
});

describe('faults with the Redis buffer', () => {
  let world: FaultWorld;
  // Every server keeps an append-only file: a restart must not lose what it acknowledged.
  let redis: RedisServer;
  let buffer: RedisBufferOptions;
  beforeEach(async () => {
    world = await new FaultWorld().start();
    redis = await new RedisServer({ appendOnly: true }).start();
    buffer = { type: 'redis', url: redis.url, streamPrefix: 'faults:', claimIdleMs: 1_000 };
  });
  afterEach(async () => {
    await world.stop();
    await redis.remove();
  });

  it('redis-publisher-only: a publisher with no database, a worker that stores it all', async () => {
    const publisher = await world.boot({
      topics: ['load'],
      buffer,
      broker: { role: 'publisher' },
    });
    const worker = await world.boot({
      topics: ['load'],
      buffer,
      broker: { role: 'worker', flushIntervalMs: 50 },
    });
    const outcomes = await publishers(20, 500, (p, i) =>
      publisher.engine('load').publish(record(i, p, 'publisher-only')),
    );
    await worker.broker.flush();
    const checks = { publisherHasNoStore: publisher.app.get(MetadataStore) === null };
    const tally = await world.tally(acceptedIdsOf(outcomes), [publisher.engine('load').counters]);
    expect(score('redis-publisher-only', tally, { checks })).toBe(true);
  });

  it('redis-worker-sigkill: three workers, one killed mid-batch; its pending entries are claimed', async () => {
    const publisher = await world.boot({
      topics: ['load'],
      buffer,
      broker: { role: 'publisher' },
    });
    const workerOn = (n: number) =>
      startRedisWorker({
        store: { url: world.db.store.url },
        buffer,
        file: join(world.dir, `worker-${n}.txt`),
      });
    const workers = [0, 1, 2].map(workerOn);
    await Promise.all(workers.map((w) => w.waitForLine('ready')));
    const victim = workers[0];
    let killedInFlight = false;
    const killer = (async () => {
      await sleep(500);
      await victim.waitForLine('in-flight', { from: victim.lines.length });
      await victim.stop('SIGKILL');
      killedInFlight = true;
    })();
    const outcomes = await publishers(20, 1_500, async (p, i) => {
      if (i % 50 === 0) await sleep(20);
      return publisher.engine('load').publish(record(i, p, 'worker-sigkill'));
    });
    await killer;
    const ids = acceptedIdsOf(outcomes);
    // The survivors claim the victim's entries after claimIdleMs, then store them.
    for (let waited = 0; waited < 30_000; waited += 100) {
      const [{ n }] = await world.db.query<{ n: string }>('SELECT count(*) AS n FROM metadata');
      if (Number(n) >= ids.length) break;
      await sleep(100);
    }
    await Promise.all(workers.slice(1).map((w) => w.stop('SIGTERM')));
    // The killed worker restarts on its file: its spool, settled with Redis, is finished.
    const restarted = workerOn(0);
    await restarted.waitForLine('ready');
    await restarted.stop('SIGTERM');
    const tally = await world.tally(ids, [publisher.engine('load').counters]);
    expect(score('redis-worker-sigkill', tally, { checks: { killedInFlight } })).toBe(true);
  });

  it('redis-restart: Redis killed and restarted from its append-only file under load', async () => {
    const { engine, broker } = await world.boot({
      topics: ['load'],
      buffer,
      broker: { flushIntervalMs: 50, maxBatchSize: 500 },
    });
    let restarted = false;
    const restart = (async () => {
      await sleep(700);
      await redis.stop('SIGKILL');
      await sleep(300);
      await redis.start();
      restarted = true;
    })();
    const outcomes = await publishers(20, 1_000, async (p, i) => {
      if (i % 50 === 0) await sleep(25);
      return engine('load').publish(record(i, p, 'restart'));
    });
    await restart;
    await broker.flush();
    const tally = await world.tally(acceptedIdsOf(outcomes), [engine('load').counters]);
    expect(score('redis-restart', tally, { checks: { restarted } })).toBe(true);
  });

  it('redis-connection-cut: every connection to Redis cut again and again', async () => {
    const proxy = await new TcpProxy('127.0.0.1', redis.port).start();
    try {
      const { engine, broker } = await world.boot({
        topics: ['load'],
        buffer: { ...buffer, url: `redis://127.0.0.1:${proxy.port}` },
        broker: { flushIntervalMs: 20, maxBatchSize: 300 },
      });
      const cutter = proxy.cutRepeatedly(80);
      const outcomes = await publishers(20, 500, async (p, i) => {
        if (i % 20 === 0) await sleep(40);
        return engine('load').publish(record(i, p, 'cut'));
      });
      const cuts = cutter.stop();
      await broker.flush();
      const tally = await world.tally(acceptedIdsOf(outcomes), [engine('load').counters]);
      expect(score('redis-connection-cut', tally, { checks: { cutOften: cuts > 5 } })).toBe(true);
    } finally {
      await proxy.stop();
    }
  });

  it('redis-refused-append: Redis at maxmemory under noeviction for a second; refused publishes rejected, the rest stored', async () => {
    const { app, engine, broker } = await world.boot({
      topics: [{ topic: 'load', overflow: 'error' }],
      buffer,
      broker: { flushIntervalMs: 50 },
    });
    const health = app.get(MetaqueueHealthIndicator);
    const admin = new Redis(redis.url);
    const logger = new CapturingLogger();
    Logger.overrideLogger(logger);
    let downSeen = false;
    try {
      const full = (async () => {
        await sleep(500);
        await admin.config('SET', 'maxmemory-policy', 'noeviction');
        // Below what Redis already uses: every append is refused with OOM.
        await admin.config('SET', 'maxmemory', '1');
        await sleep(500);
        downSeen = health.isHealthy().metaqueue.status === 'down';
        await sleep(500);
        await admin.config('SET', 'maxmemory', '0');
      })();
      const outcomes = await publishers(10, 1_000, async (p, i) => {
        if (i % 10 === 0) await sleep(20);
        return engine('load').publish(record(i, p, 'refused-append'));
      });
      await full;
      await broker.flush();
      const c = engine('load').counters;
      const rejections = outcomes.filter((o) => o.status === 'rejected');
      const lines = (text: string) => logger.lines.filter((l) => l.includes(text)).length;
      const checks = {
        refused: c.rejected.refused > 0,
        everyRejectionRefused:
          rejections.length === c.rejected.refused &&
          rejections.every((o) => o.reason instanceof BufferRefusedError),
        countersAddUp:
          c.accepted + c.rejected.refused + c.waiting === c.published && c.published === 10_000,
        downSeen,
        loggedOnce: lines('refused to append to stream faults:load (OOM') === 1,
        clearedLogged: lines('appends to stream faults:load again') === 1,
      };
      const tally = await world.tally(acceptedIdsOf(outcomes), [c]);
      expect(score('redis-refused-append', tally, { checks })).toBe(true);
    } finally {
      Logger.overrideLogger(false);
      admin.disconnect();
    }
  });

  for (const overflow of policies) {
    it(`redis-down-${overflow}: Redis unreachable for 10 s; every publish counted`, async () => {
      const { app, engine, broker } = await world.boot({
        topics: [{ topic: 'load', bufferSize: 2_000, overflow, blockTimeoutMs: 1_000 }],
        buffer,
        broker: { flushIntervalMs: 50 },
      });
      const health = app.get(MetaqueueHealthIndicator);
      let downSeen = false;
      const outage = (async () => {
        await sleep(1_000);
        await redis.stop();
        await sleep(5_000);
        downSeen = health.isHealthy().metaqueue.status === 'down';
        await sleep(5_000);
        await redis.start();
      })();
      // Tasks that keep starting, a publish every millisecond or so, each on its own: a
      // publish that was on the wire when Redis went away waits for it (its fate is unknown
      // until then), while those that start later meet the policy.
      const publishes: Promise<unknown>[] = [];
      for (let i = 0; i < 13_000; i++) {
        publishes.push(engine('load').publish(record(i, 0, `down-${overflow}`)));
        if (i % 10 === 0) await sleep(10);
      }
      const outcomes = await Promise.allSettled(publishes);
      await outage;
      await broker.flush();
      const c = engine('load').counters;
      const acted =
        overflow === 'block'
          ? c.rejected.timeout > 0
          : overflow === 'error'
            ? c.rejected.unavailable > 0
            : c.dropped['drop-newest'] > 0;
      const tally = await world.tally(acceptedIdsOf(outcomes), [c]);
      expect(score(`redis-down-${overflow}`, tally, { checks: { downSeen, acted } })).toBe(true);
    });
  }
});
