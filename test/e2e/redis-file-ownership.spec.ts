import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveRedisBufferOptions } from '../../src/lib/buffer/redis/redis-buffer-options.js';
import { RedisRecordSource } from '../../src/lib/buffer/redis/redis-record-source.js';
import type { SourceBatch } from '../../src/lib/buffer/record-source.interface.js';
import { OpenMetricsFileConnector, type RedisBufferOptions } from '../../src/lib/index.js';
import { KilledFileConnector } from '../support/killed-file-connector.js';
import { MemorySink } from '../support/memory-sink.js';
import { idsOf, startPipeline } from '../support/pipeline.js';
import { RedisServer, withRedisServer } from '../harness/redis-server.js';
import { until } from '../support/until.js';

const record = (i: number) => ({ data: i, name: 'n', location: 'l', context: 'c' });

/** A worker that dies right after its file has a batch: the file's XACK never goes out. */
class DiesBeforeFileAck extends RedisRecordSource {
  override acknowledge(sink: string, batch: SourceBatch): void {
    if (sink !== 'file') super.acknowledge(sink, batch);
  }
}

/** The record ids a worker's finished files hold (`<worker>.txt` and its rotations), one per sample. */
async function idsInFiles(dir: string, worker: string): Promise<string[]> {
  const finished = new RegExp(`^${worker}\\.txt(\\.\\d+)?$`);
  const ids: string[] = [];
  for (const file of (await readdir(dir)).filter((f) => finished.test(f))) {
    const text = await readFile(join(dir, file), 'utf8');
    ids.push(...[...text.matchAll(/\{id="([^"]+)"/g)].map((m) => m[1]));
  }
  return ids;
}

withRedisServer().describe('Redis buffer: a batch in a dead worker spool and claimed', () => {
  // Append-only: one test stops it and starts it again.
  const redis = new RedisServer({ appendOnly: true });
  let client: Redis;
  let dir: string;
  let buffer: RedisBufferOptions;
  const sources: RedisRecordSource[] = [];

  beforeAll(async () => {
    Logger.overrideLogger(false);
    await redis.start();
    client = new Redis(redis.url);
  });
  afterAll(async () => {
    client.disconnect();
    await redis.remove();
  });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'metaqueue-ownership-'));
    buffer = { type: 'redis', url: redis.url, streamPrefix: `e2e:${randomUUID()}:` };
  });
  afterEach(async () => {
    for (const source of sources.splice(0)) await source.release();
    await rm(dir, { recursive: true, force: true });
  });

  const fileOf = (worker: string, File = OpenMetricsFileConnector) =>
    new File({ samples: 'per-record', name: 'file', path: join(dir, `${worker}.txt`) });

  /** A worker, as the module wires one, on its own file and consumer name. */
  const worker = (
    name: string,
    options: Partial<RedisBufferOptions>,
    Source: typeof RedisRecordSource = RedisRecordSource,
    File = OpenMetricsFileConnector,
  ) => {
    const store = new MemorySink('store');
    return startPipeline({
      topics: [{ topic: 'a' }],
      store,
      connectors: [fileOf(name, File)],
      broker: { flushIntervalMs: 20 },
      buffer: () => {
        const source = new Source(resolveRedisBufferOptions({ ...buffer, ...options }));
        sources.push(source);
        return { role: 'both', source, intake: (topic, queue) => source.intake(topic, queue) };
      },
    }).then((pipeline) => ({ ...pipeline, store }));
  };

  /** Entries of group `file` not yet acknowledged. */
  const filePending = async () =>
    ((await client.xpending(`${buffer.streamPrefix}a`, 'file')) as [number])[0];

  /**
   * Worker `a` publishes 50 records; its file spools them, and it dies
   * before the file's XACK: the entries stay pending in group `file`, its
   * spool and lock file stay on disk (the lock's PID is this process: removed).
   */
  async function deadWorkerWithSpool(): Promise<string[]> {
    const dead = await worker('a', { consumer: 'a' }, DiesBeforeFileAck, KilledFileConnector);
    const ids = idsOf(
      await Promise.allSettled(
        Array.from({ length: 50 }, (_, i) => dead.engine('a').publish(record(i))),
      ),
    );
    await dead.broker.flush();
    expect(dead.broker.counters.sinks.file.written).toBe(50);
    await dead.broker.beforeApplicationShutdown();
    sources.pop();
    expect(await filePending()).toBe(50);
    await rm(join(dir, 'a.txt.lock'));
    return ids;
  }

  /** The dead worker restarted on its file: recovery settles its spool, and it claims nothing. */
  async function restartDeadWorker(): Promise<void> {
    const restarted = await worker('a', { consumer: 'a-restarted', claimIdleMs: 60_000 });
    await restarted.close();
  }

  async function everyRecordInOneFile(ids: string[]): Promise<void> {
    const union = [...(await idsInFiles(dir, 'a')), ...(await idsInFiles(dir, 'b'))];
    expect(union.sort()).toEqual([...ids].sort());
  }

  it('a claim before the recovery: the claimer writes the batch, the recovery drops it from the spool', async () => {
    const ids = await deadWorkerWithSpool();
    const claimer = await worker('b', { consumer: 'b', claimIdleMs: 200 });
    await until(() => claimer.broker.counters.sinks.file.written === 50);
    await claimer.close();
    expect(await idsInFiles(dir, 'b')).toHaveLength(50);

    await restartDeadWorker();
    expect(await idsInFiles(dir, 'a')).toHaveLength(0);
    await everyRecordInOneFile(ids);
  });

  it('the recovery before a claim: the spool keeps the batch, the claimer does not write it', async () => {
    const ids = await deadWorkerWithSpool();
    await restartDeadWorker();
    expect(await idsInFiles(dir, 'a')).toHaveLength(50);

    const claimer = await worker('b', { consumer: 'b', claimIdleMs: 200 });
    // The file's entries are claimed, and acknowledged unwritten.
    await until(async () => (await filePending()) === 0);
    await claimer.close();
    expect(claimer.broker.counters.sinks.file.written).toBe(0);
    await everyRecordInOneFile(ids);
  });

  it('the same consumer restarted: its own pending entries are not written again, the spool keeps them', async () => {
    const ids = await deadWorkerWithSpool();
    const restarted = await worker('a', { consumer: 'a', claimIdleMs: 60_000 });
    await until(async () => (await filePending()) === 0);
    await restarted.close();
    expect(restarted.broker.counters.sinks.file.written).toBe(0);
    await everyRecordInOneFile(ids);
  });

  it('Redis unreachable at the recovery: the spool waits aside, and is settled once Redis answers', async () => {
    const ids = await deadWorkerWithSpool();
    await redis.stop();
    const restarted = await worker('a', { consumer: 'a-restarted', claimIdleMs: 200 });
    const aside = (await readdir(dir)).filter((f) => /^a\.txt\.\d+\.spool$/.test(f));
    expect(aside).toHaveLength(1);
    await redis.start();
    // It claims the batch and writes it to its live spool; the spool aside drops it.
    await until(() => restarted.broker.counters.sinks.file.written === 50);
    await restarted.close();
    expect((await readdir(dir)).filter((f) => f.endsWith('.spool'))).toEqual([]);
    await everyRecordInOneFile(ids);
  });
});
