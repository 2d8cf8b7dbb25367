import { Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { resolveDiskBuffer } from '../src/lib/buffer/disk/disk-buffer-options.js';
import { DiskBuffer } from '../src/lib/buffer/disk/disk-buffer.js';
import {
  BrokerService,
  EngineRegistry,
  getEngineToken,
  MetaqueueModule,
  OpenMetricsFileConnector,
  type BufferSync,
  type MetadataEngine,
} from '../src/lib/index.js';
import { countRows, endToEndRate, truncate } from './end-to-end.bench.js';
import { heapAfterGc } from './memory.bench.js';
import { figure, type Figure } from './report.js';

const metadata = (i: number) => ({
  data: i,
  name: 'bench_rows',
  location: `task_${i % 1_000}`,
  context: 'disk buffer',
});

const spread = (xs: number[]) =>
  `median of ${xs.length}, spread ${Math.round(Math.min(...xs)).toLocaleString('en-US')}–${Math.round(Math.max(...xs)).toLocaleString('en-US')}`;

/**
 * The disk buffer against the memory buffer, each in the same run: end to end
 * (sync 'none' and 'interval') and replay after a restart, interleaved round
 * by round; publish() throughput; and the heap while the database is stalled.
 */
export async function diskBuffer(url: string, scale: number): Promise<Figure[]> {
  const rounds = 3;
  const e2e: Record<'memory' | 'none' | 'interval' | 'replay', number[]> = {
    memory: [],
    none: [],
    interval: [],
    replay: [],
  };
  // Interleaved, so a slower phase of the machine hits every variant alike.
  for (let round = 0; round < rounds; round++) {
    e2e.memory.push((await endToEndRate(url, scale)).rate);
    for (const sync of ['none', 'interval'] as const) {
      e2e[sync].push((await endToEndRate(url, scale, { type: 'disk', path: '', sync })).rate);
    }
    e2e.replay.push(await replayRate(url, scale));
  }
  for (const [variant, rates] of Object.entries(e2e)) {
    console.log(
      `  ${variant === 'replay' ? 'replay' : `end to end, ${variant}`}: ${spread(rates)} rows/s`,
    );
  }
  const publish = await publishThroughput(scale, rounds);
  const heap = await heapWhileStalled(url, scale);
  return [
    figure("end to end, disk sync 'none' vs memory", 'rows/s', e2e.none, e2e.memory, {
      atLeast: 0.8,
    }),
    figure("end to end, disk sync 'interval' vs memory", 'rows/s', e2e.interval, e2e.memory, {
      atLeast: 0.8,
    }),
    figure(
      "publish(), disk sync 'interval' vs memory",
      'ns/record',
      publish.interval,
      publish.memory,
      {
        atMost: 2,
      },
    ),
    figure("publish(), disk sync 'always' vs memory", 'ns/record', publish.always, publish.memory),
    figure('replay after a restart vs end to end (memory)', 'rows/s', e2e.replay, e2e.memory, {
      atLeast: 0.8,
    }),
    figure('heap after the database stalled, disk buffer', 'MB', [heap.after], [heap.before], {
      atMost: 1.2,
    }),
  ];
}

/**
 * ns per record when 100 publishers publish at once, each awaiting its
 * publish, and what is queued is taken a batch at a time, as by a broker: the
 * memory buffer, and the disk buffer (group commit) with sync 'interval' and
 * 'always'; `rounds` rounds, interleaved.
 */
async function publishThroughput(
  scale: number,
  rounds: number,
): Promise<Record<'memory' | 'interval' | 'always', number[]>> {
  const n = Math.max(20_000, Math.round(300_000 * scale));
  const publishers = 100;
  const batchSize = 5_000;
  const run = async (sync?: BufferSync) => {
    const dir = mkdtempSync(join(tmpdir(), 'metaqueue-bench-publish-'));
    const buffer = sync
      ? new DiskBuffer(resolveDiskBuffer({ type: 'disk', path: dir, sync }))
      : undefined;
    const engines = new EngineRegistry([{ topic: 'bench', bufferSize: n }], {}, buffer);
    const source = buffer?.source;
    // A sink that never reads: the log only grows, as a publish sees it.
    await source?.start(['reader']);
    const engine = engines.get<number>('bench');
    global.gc?.();
    const started = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: publishers }, async (_, p) => {
        for (let i = p; i < n; i += publishers) {
          await engine.publish(metadata(i));
          // As a broker would: a batch's worth queued is taken. Left in the queue, 300,000
          // records would charge the collector's work on them to the memory buffer; the
          // disk buffer's writer takes them every tick, so this is all but idle there.
          if (engine.size >= batchSize) engine.take();
        }
      }),
    );
    const ns = Number(process.hrtime.bigint() - started) / n;
    source?.close();
    await source?.release();
    rmSync(dir, { recursive: true, force: true });
    return ns;
  };
  const results: Record<'memory' | 'interval' | 'always', number[]> = {
    memory: [],
    interval: [],
    always: [],
  };
  await run();
  await run('interval');
  for (let round = 0; round < rounds; round++) {
    results.memory.push(await run());
    results.interval.push(await run('interval'));
    results.always.push(await run('always'));
  }
  for (const [variant, ns] of Object.entries(results)) {
    console.log(`  publish(), ${variant}: ${spread(ns)} ns/record`);
  }
  return results;
}

/**
 * Fills a disk buffer with 1,000,000 records (scaled) that no sink has, then
 * starts an app on it: rows/s from its start until every record is in the
 * table and the file, and the app has closed.
 */
async function replayRate(url: string, scale: number): Promise<number> {
  const total = Math.max(20_000, Math.round(1_000_000 * scale));
  const dir = mkdtempSync(join(tmpdir(), 'metaqueue-bench-replay-'));
  const file = join(dir, 'log.txt');
  const buffer = { type: 'disk' as const, path: join(dir, 'buffer'), sync: 'none' as const };
  const topics = ['replay'];
  const connector = new OpenMetricsFileConnector({ path: file });
  const log = new DiskBuffer(resolveDiskBuffer(buffer));
  const engines = new EngineRegistry(
    topics.map((topic) => ({ topic })),
    {},
    log,
  );
  const filler = log.source;
  await filler.start(['store', connector.name]);
  const engine = engines.get<number>('replay');
  await Promise.all(
    Array.from({ length: 100 }, async (_, p) => {
      for (let i = p; i < total; i += 100) await engine.publish(metadata(i));
    }),
  );
  filler.close();
  await filler.release();
  await truncate(url);

  @Module({})
  class ReplayModule {}
  const module: DynamicModule = {
    module: ReplayModule,
    imports: [MetaqueueModule.forRoot({ topics, store: { url }, connectors: [connector], buffer })],
  };
  const started = performance.now();
  const app = await NestFactory.createApplicationContext(module, { logger: ['error'] });
  await app.get(BrokerService).flush();
  await app.close();
  const seconds = (performance.now() - started) / 1000;
  const stored = await countRows(url);
  rmSync(dir, { recursive: true, force: true });
  if (stored !== total) throw new Error(`replay stored ${stored} of ${total} records`);
  return total / seconds;
}

/**
 * Heap (after GC) once publishing runs with the disk buffer, and again after
 * 60 s (scaled, at least 3 s) of publishing with the table locked by another
 * session: the backlog must go to disk, not to the heap.
 */
async function heapWhileStalled(
  url: string,
  scale: number,
): Promise<{ before: number; after: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'metaqueue-bench-stall-'));
  @Module({})
  class StallModule {}
  const module: DynamicModule = {
    module: StallModule,
    imports: [
      MetaqueueModule.forRoot({
        topics: [{ topic: 'stall', overflow: 'drop-newest' }],
        store: { url },
        broker: { flushIntervalMs: 50, maxBatchSize: 1_000 },
        buffer: { type: 'disk', path: join(dir, 'buffer'), maxBytes: 512 * 1024 * 1024 },
      }),
    ],
  };
  const app = await NestFactory.createApplicationContext(module, { logger: ['error'] });
  const engine = app.get<MetadataEngine<number>>(getEngineToken('stall'));
  const broker = app.get(BrokerService);
  const publishFor = async (ms: number) => {
    const until = performance.now() + ms;
    // About 20,000 records/s, not awaited one by one: a steady producer the log keeps up with.
    for (let i = 0; performance.now() < until; i++) {
      for (let k = 0; k < 20; k++) void engine.publish(metadata(i * 20 + k));
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  };
  await publishFor(1_000);
  await broker.flush();
  const before = heapAfterGc();
  const locker = new pg.Client({ connectionString: url });
  await locker.connect();
  await locker.query('BEGIN; LOCK TABLE metadata IN ACCESS EXCLUSIVE MODE');
  const logBefore = broker.counters.buffer!.bytes;
  await publishFor(Math.max(3_000, 60_000 * scale));
  const after = heapAfterGc();
  const logAfter = broker.counters.buffer!.bytes;
  console.log(
    `  stalled: the log grew from ${(logBefore / 1e6).toFixed(1)} to ${(logAfter / 1e6).toFixed(1)} MB; in flight ${broker.counters.inFlight} records`,
  );
  await locker.query('COMMIT');
  await locker.end();
  await broker.flush();
  await app.close();
  rmSync(dir, { recursive: true, force: true });
  return { before: before / 1e6, after: after / 1e6 };
}
