import { Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import {
  BrokerService,
  getEngineToken,
  MetadataEngine,
  MetaQueue,
  MetaqueueModule,
  type MetaqueueModuleOptions,
} from '../src/lib/index.js';
import { importMetadata as metadata } from './import-metadata.js';
import { figure, interleave, type Figure } from './report.js';

/**
 * ns per publish() with default options, against pushing the same record,
 * stamped and JSON-encoded, onto an array; then the event loop's p99 delay
 * while flushes run, against the same load with flushing off (no absolute
 * bound: it depends on the machine and its load).
 */
export async function publishCost(url: string, scale: number, runs: number): Promise<Figure[]> {
  const n = Math.max(10_000, Math.round(300_000 * scale));
  const publishAll = async () => {
    const engine = new MetadataEngine('bench', new MetaQueue({ bufferSize: n }));
    for (let i = 0; i < n; i++) await engine.publish(metadata(i));
  };
  const pushAll = async () => {
    const array: unknown[] = [];
    for (let i = 0; i < n; i++) {
      const m = metadata(i);
      array.push({
        id: randomUUID(),
        topic: 'bench',
        name: m.name,
        location: m.location,
        context: m.context,
        data: m.data,
        json: JSON.stringify(m.data),
        publishedAt: new Date(),
      });
      await Promise.resolve();
    }
  };
  // A warm-up of each, off the record.
  await publishAll();
  await pushAll();
  const [ours, bare] = await interleave(runs, nsPerOp(n, publishAll), nsPerOp(n, pushAll));
  const [withFlush, withoutFlush] = await interleave(
    runs,
    () => loopDelayP99({ store: { url } }, scale),
    () => loopDelayP99({ store: false }, scale),
  );
  return [
    figure('publish() cost vs pushing onto an array', 'ns/op', ours, bare, { atMost: 2 }),
    figure('event loop p99 delay while flushing vs not flushing', 'ms', withFlush, withoutFlush, {
      atMost: 1.5,
    }),
  ];
}

/** ns per op of a workload of n ops, from a collected heap. */
function nsPerOp(n: number, work: () => Promise<void>): () => Promise<number> {
  return async () => {
    global.gc?.();
    const started = process.hrtime.bigint();
    await work();
    return Number(process.hrtime.bigint() - started) / n;
  };
}

/** Publishes steadily for a while and returns the p99 event-loop delay in ms. */
async function loopDelayP99(options: MetaqueueModuleOptions, scale: number): Promise<number> {
  @Module({})
  class LoopDelayModule {}
  const module: DynamicModule = {
    module: LoopDelayModule,
    imports: [
      MetaqueueModule.forRoot({
        topics: [{ topic: 'load', bufferSize: 1_000_000, overflow: 'drop-oldest' }],
        broker: { flushIntervalMs: 100 },
        ...options,
      }),
    ],
  };
  const app = await NestFactory.createApplicationContext(module, { logger: ['error', 'warn'] });
  const engine = app.get<MetadataEngine>(getEngineToken('load'));
  // Without a store nothing flushes: records are taken and dropped at the same pace instead.
  const drainer = options.store === false ? setInterval(() => engine.take(), 100) : undefined;
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  const until = performance.now() + Math.max(1_000, 4_000 * scale);
  // About 100k records/s, in slices that leave the loop free between them.
  for (let i = 0; performance.now() < until; i++) {
    for (let k = 0; k < 1_000; k++) void engine.publish(metadata(k));
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  histogram.disable();
  clearInterval(drainer);
  if (options.store !== false) await app.get(BrokerService).flush();
  await app.close();
  return histogram.percentile(99) / 1e6;
}
