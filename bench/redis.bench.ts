import { Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BrokerService,
  getEngineToken,
  MetadataStore,
  MetaqueueModule,
  OpenMetricsFileConnector,
  type MetadataEngine,
  type MetaqueueModuleOptions,
  type RedisBufferOptions,
} from '../src/lib/index.js';
import { startRedisWorker } from '../test/harness/redis-worker.js';
import { RedisServer } from '../test/harness/redis-server.js';
import { countRows, truncate } from './end-to-end.bench.js';
import { figure, type Figure } from './report.js';

const metadata = (i: number) => ({
  data: i,
  name: 'bench_rows',
  location: `task_${i % 1_000}`,
  context: 'redis',
});
/** Publishes under way at once: tasks that run side by side. */
const concurrency = 1_000;
const broker = { maxBatchSize: 5_000, flushIntervalMs: 50 };

/**
 * End to end through Redis: this process publishes, worker processes store
 * (each with its OpenMetrics file), until every record is in PostgreSQL;
 * against the in-process memory pipeline on the same workload, runs
 * alternating. Then publish()'s cost through Redis against the memory buffer.
 */
export async function redisTransport(url: string, scale: number): Promise<Figure[]> {
  const total = Math.max(10_000, Math.round(200_000 * scale));
  // The table, made by the store's migrations, before the first TRUNCATE.
  await (await MetadataStore.open({ url })).onApplicationShutdown();
  const redis = await new RedisServer().start();
  const dir = mkdtempSync(join(tmpdir(), 'metaqueue-bench-redis-'));
  const figures: Figure[] = [];
  try {
    for (const workers of [1, 2, 4]) {
      const memory: number[] = [];
      const fleet: number[] = [];
      for (let run = 0; run < 2; run++) {
        memory.push(await inProcess(url, dir, total));
        fleet.push(await throughRedis(url, dir, redis, workers, total));
      }
      figures.push(
        figure(
          `end to end through Redis, ${workers} worker process${workers > 1 ? 'es' : ''}, vs in-process memory`,
          'rows/s',
          fleet,
          memory,
          { atLeast: 0.6 },
        ),
      );
    }
    const [viaRedis, inMemory] = await publishCosts(redis, Math.max(10_000, total / 2));
    figures.push(
      figure(
        'publish() cost through Redis (pipelined) vs the memory buffer',
        'ns/op',
        [viaRedis],
        [inMemory],
        { atMost: 10 },
      ),
    );
  } finally {
    await redis.remove();
    rmSync(dir, { recursive: true, force: true });
  }
  return figures;
}

async function inProcess(url: string, dir: string, total: number): Promise<number> {
  await truncate(url);
  const app = await boot({ store: { url }, broker, connectors: [file(dir, 'memory')] });
  const started = performance.now();
  await publishAll(app.get(getEngineToken('load')), total);
  await app.get(BrokerService).flush();
  const seconds = (performance.now() - started) / 1000;
  await app.close();
  return total / seconds;
}

async function throughRedis(
  url: string,
  dir: string,
  redis: RedisServer,
  workers: number,
  total: number,
): Promise<number> {
  await truncate(url);
  const buffer: RedisBufferOptions = {
    type: 'redis',
    url: redis.url,
    streamPrefix: `bench:${performance.now()}:`,
    maxLen: 1_000_000,
  };
  const children = Array.from({ length: workers }, (_, n) =>
    startRedisWorker({
      store: { url },
      buffer,
      broker,
      file: join(dir, `worker-${n}.txt`),
    }),
  );
  await Promise.all(children.map((c) => c.waitForLine('ready')));
  const app = await boot({ buffer, broker: { role: 'publisher' } });
  const started = performance.now();
  await publishAll(app.get(getEngineToken('load')), total);
  while ((await countRows(url)) < total) await new Promise((resolve) => setTimeout(resolve, 20));
  const seconds = (performance.now() - started) / 1000;
  await app.close();
  await Promise.all(children.map((c) => c.stop()));
  return total / seconds;
}

/** ns per publish() with `concurrency` under way, through Redis and into memory. */
async function publishCosts(redis: RedisServer, n: number): Promise<number[]> {
  const timed = async (options: Partial<MetaqueueModuleOptions>) => {
    const app = await boot({ store: false, ...options });
    const engine = app.get<MetadataEngine<number>>(getEngineToken('load'));
    const started = process.hrtime.bigint();
    await publishAll(engine, n, broker.maxBatchSize);
    const ns = Number(process.hrtime.bigint() - started) / n;
    await app.close();
    return ns;
  };
  const viaRedis: number[] = [];
  const inMemory: number[] = [];
  for (let run = 0; run < 3; run++) {
    const buffer: RedisBufferOptions = {
      type: 'redis',
      url: redis.url,
      streamPrefix: `bench-publish:${run}:`,
      maxLen: 10_000_000,
    };
    viaRedis.push(await timed({ buffer, broker: { role: 'publisher' } }));
    inMemory.push(await timed({}));
  }
  return [Math.min(...viaRedis), Math.min(...inMemory)];
}

async function boot(
  options: MetaqueueModuleOptions,
): Promise<Awaited<ReturnType<typeof NestFactory.createApplicationContext>>> {
  @Module({})
  class RedisBenchModule {}
  const module: DynamicModule = {
    module: RedisBenchModule,
    imports: [
      MetaqueueModule.forRoot({
        topics: [{ topic: 'load', bufferSize: 1_000_000 }],
        ...options,
      }),
    ],
  };
  return NestFactory.createApplicationContext(module, { logger: ['error', 'warn'] });
}

function file(dir: string, name: string) {
  return new OpenMetricsFileConnector({ name: 'file', path: join(dir, `${name}.txt`) });
}

/** `total` publishes, `concurrency` under way at once. */
/**
 * `total` publishes, `concurrency` at a time. With `takeEvery`, what is queued
 * is taken once that many wait, as a broker would: without one, the memory
 * buffer would keep every record, and the collector's work on them would
 * count as publish() cost.
 */
async function publishAll(
  engine: MetadataEngine<number>,
  total: number,
  takeEvery?: number,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        await engine.publish(metadata(next++));
        if (takeEvery !== undefined && engine.size >= takeEvery) engine.take();
      }
    }),
  );
}
