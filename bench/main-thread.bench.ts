import { Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import {
  BrokerService,
  getEngineToken,
  MetadataStore,
  MetaqueueModule,
  OpenMetricsFileConnector,
  type MetadataEngine,
} from '../src/lib/index.js';
import { mainThreadCost } from './main-thread.js';
import { importRowCount as metadata } from './import-metadata.js';
import { figure, interleave, type Figure } from './report.js';

/**
 * What the app's own thread pays per record: CPU µs and bytes allocated on its
 * heap to publish `n` records and flush them to the server and the file,
 * against publishing them with flushing off (the records taken and dropped).
 */
export async function mainThreadFigures(url: string, scale: number, runs: number) {
  const n = Math.max(20_000, Math.round(500_000 * scale));
  const dir = mkdtempSync(join(tmpdir(), 'metaqueue-bench-main-'));
  try {
    const flushing = () => perRecord(n, true, url, join(dir, 'log.txt'));
    const dropping = () => perRecord(n, false, url, join(dir, 'log.txt'));
    const results: Record<'cpu' | 'bytes', number[][]> = { cpu: [[], []], bytes: [[], []] };
    await interleave(
      runs,
      async () => keep(results, 0, await flushing()),
      async () => keep(results, 1, await dropping()),
    );
    return [
      figure(
        'main-thread CPU per record, flushing vs not flushing',
        'µs/record',
        results.cpu[0],
        results.cpu[1],
      ),
      figure(
        'main-thread bytes allocated per record, flushing vs not flushing',
        'B/record',
        results.bytes[0],
        results.bytes[1],
      ),
    ] satisfies Figure[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function keep(
  results: Record<'cpu' | 'bytes', number[][]>,
  k: number,
  { cpu, bytes }: { cpu: number; bytes: number },
): number {
  results.cpu[k].push(cpu);
  results.bytes[k].push(bytes);
  return cpu;
}

/** Publishes `n` records a thousand per turn, then flushes (or takes and drops them); per record. */
async function perRecord(n: number, flush: boolean, url: string, file: string) {
  @Module({})
  class MainThreadModule {}
  const module: DynamicModule = {
    module: MainThreadModule,
    imports: [
      MetaqueueModule.forRoot({
        topics: [{ topic: 'load', bufferSize: n }],
        store: flush ? { url } : false,
        connectors: flush ? [new OpenMetricsFileConnector({ path: file })] : [],
        recordRuns: false,
      }),
    ],
  };
  const app = await NestFactory.createApplicationContext(module, { logger: ['error', 'warn'] });
  // Each run into an empty table, as the first: 1.5M rows of earlier runs made PostgreSQL's writes slower.
  if (flush) await app.get(MetadataStore).dataSource.query('TRUNCATE metadata');
  const engine = app.get<MetadataEngine>(getEngineToken('load'));
  const broker = app.get(BrokerService);
  const { cpuMicros, allocatedBytes } = await mainThreadCost(async () => {
    for (let i = 0; i < n; i += 1_000) {
      for (let k = 0; k < 1_000; k++) void engine.publish(metadata(i + k));
      // The broker flushes on its own meanwhile, as in an app.
      if (!flush) engine.take();
      await nextTurn();
    }
    if (flush) await broker.flush();
  });
  await app.close();
  if (flush) rmSync(file, { force: true });
  return { cpu: cpuMicros / n, bytes: allocatedBytes / n };
}
