import { Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import pg from 'pg';
import {
  BrokerService,
  getEngineToken,
  MetaqueueModule,
  type MetadataEngine,
  type MetaqueueModuleOptions,
  type TopicDeclaration,
} from '../src/lib/index.js';
import { ChildApp } from '../test/harness/child-app.js';
import { figure, interleave, type Figure } from './report.js';

/** The same app in both runs: nothing flushes before it is asked to. */
export function shutdownBenchOptions(
  url: string,
  records: number,
): MetaqueueModuleOptions & { topics: TopicDeclaration[] } {
  return {
    topics: [{ topic: 'shutdown', bufferSize: records + 1 }],
    store: { url },
    broker: { flushIntervalMs: 3_600_000, maxBatchSize: records + 1 },
  };
}

/** Time from SIGTERM to exit with records queued, against the time their flush alone takes. */
export async function shutdownTime(url: string, scale: number, runs: number): Promise<Figure[]> {
  const records = Math.max(5_000, Math.round(100_000 * scale));
  await truncate(url);
  const [exitMs, flushMs] = await interleave(
    runs,
    async () => {
      const ms = await sigtermToExit(url, records);
      const stored = await truncate(url);
      if (stored !== records) {
        throw new Error(`shutdown bench: ${stored} of ${records} records stored`);
      }
      return ms;
    },
    async () => {
      const ms = await flushAlone(url, records);
      await truncate(url);
      return ms;
    },
  );
  return [
    figure('SIGTERM to exit with records queued vs their flush alone', 'ms', exitMs, flushMs, {
      atMost: 1.2,
    }),
  ];
}

async function flushAlone(url: string, records: number): Promise<number> {
  @Module({})
  class FlushModule {}
  const module: DynamicModule = {
    module: FlushModule,
    imports: [MetaqueueModule.forRoot(shutdownBenchOptions(url, records))],
  };
  const app = await NestFactory.createApplicationContext(module, { logger: ['error'] });
  const engine = app.get<MetadataEngine<number>>(getEngineToken('shutdown'));
  for (let i = 0; i < records; i++) {
    await engine.publish({ data: i, name: 'shutdown', location: 'parent', context: 'flush' });
  }
  const started = performance.now();
  await app.get(BrokerService).flush();
  const ms = performance.now() - started;
  await app.close();
  return ms;
}

async function sigtermToExit(url: string, records: number): Promise<number> {
  const child = ChildApp.start('bench/shutdown-app.ts', {
    env: { BENCH_URL: url, BENCH_RECORDS: String(records) },
    stderr: 'inherit',
  });
  await child.waitForLine('queued', { timeoutMs: 5 * 60_000 });
  const started = performance.now();
  await child.stop('SIGTERM', 5 * 60_000);
  return performance.now() - started;
}

async function truncate(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query<{ count: number }>(
    'SELECT count(*)::int AS count FROM metadata',
  );
  await client.query('TRUNCATE metadata');
  await client.end();
  return rows[0].count;
}
