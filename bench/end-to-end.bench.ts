import { Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import {
  BrokerService,
  EngineRegistry,
  MetadataEntity,
  MetadataStore,
  MetaqueueModule,
  MetaTask,
  OpenMetricsFileConnector,
  TaskRunner,
  type BufferOptions,
} from '../src/lib/index.js';
import { figure, type Figure } from './report.js';

const topics = Array.from({ length: 8 }, (_, i) => `topic_${i}`);

@MetaTask()
class PublishTask {
  constructor(private readonly registry: EngineRegistry) {}

  async run(task: number, records: number): Promise<void> {
    const engine = this.registry.get<number>(topics[task % topics.length]);
    for (let i = 0; i < records; i++) {
      await engine.publish({
        data: i,
        name: 'bench_rows',
        location: `task_${task}`,
        context: 'end to end',
      });
    }
  }
}

/**
 * 1,000 concurrent tasks publish records over 8 topics; the time until all are
 * in PostgreSQL and the app has closed, its OpenMetrics file complete.
 * Baselines: the best raw COPY of the same rows, built before the clock starts
 * (the limit), and TypeORM save() in chunks (what users write by hand).
 */
export async function endToEnd(url: string, scale: number): Promise<Figure[]> {
  const { rate: ours, total } = await endToEndRate(url, scale);
  const copy = await copyRowsPerSecond(url, total);
  const save = await saveRowsPerSecond(url, Math.min(total, 50_000));
  return [
    figure('end to end vs raw COPY', ours, 'rows/s', copy, { atLeast: 0.8 }),
    figure('end to end vs TypeORM save()', ours, 'rows/s', save, { atLeast: 8 }),
  ];
}

/**
 * Rows/s of the end-to-end workload, from publish until the app has closed,
 * with the memory buffer or `buffer`; the table is emptied first.
 */
export async function endToEndRate(
  url: string,
  scale: number,
  buffer?: BufferOptions,
): Promise<{ rate: number; total: number }> {
  const tasks = Math.max(8, Math.round(1_000 * scale));
  const perTask = 500;
  const total = tasks * perTask;
  const dir = mkdtempSync(join(tmpdir(), 'metaqueue-bench-'));

  @Module({})
  class EndToEndModule {}
  const module: DynamicModule = {
    module: EndToEndModule,
    imports: [
      MetaqueueModule.forRoot({
        topics,
        store: { url },
        connectors: [new OpenMetricsFileConnector({ path: join(dir, 'log.txt') })],
        buffer: buffer && {
          ...buffer,
          ...(buffer.type === 'disk' && { path: join(dir, 'buffer') }),
        },
      }),
    ],
    providers: [PublishTask],
  };
  const app = await NestFactory.createApplicationContext(module, { logger: ['error', 'warn'] });
  // After startup, which creates the table.
  await truncate(url);
  const started = performance.now();
  await app.get(TaskRunner).run(
    Array.from({ length: tasks }, () => PublishTask),
    Array.from({ length: tasks }, (_, i) => [i, perTask]) as never,
  );
  await app.get(BrokerService).flush();
  await app.close();
  const seconds = (performance.now() - started) / 1000;
  const stored = await countRows(url);
  if (stored !== total) throw new Error(`end to end stored ${stored} of ${total} records`);
  const inFile = countSamples(join(dir, 'log.txt'));
  if (inFile !== total) console.log(`  note: the file holds ${inFile} of ${total} records`);
  rmSync(dir, { recursive: true, force: true });
  return { rate: total / seconds, total };
}

export async function truncate(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('TRUNCATE metadata');
  await client.end();
}

function benchRow(i: number) {
  return {
    id: randomUUID(),
    topic: topics[i % topics.length],
    name: 'bench_rows',
    location: `task_${i % 1_000}`,
    context: 'end to end',
    data: String(i),
    publishedAt: new Date(),
  };
}

/**
 * The fastest raw COPY of `total` pre-built rows: every chunk size and one or
 * two connections are tried, and the best rate is the limit.
 */
async function copyRowsPerSecond(url: string, total: number): Promise<number> {
  const lines = Array.from({ length: total }, (_, i) => {
    const r = benchRow(i);
    return `${r.id}\t${r.topic}\t${r.name}\t${r.location}\t${r.context}\t${r.data}\t${r.publishedAt.toISOString()}\n`;
  });
  const rates: string[] = [];
  let best = 0;
  for (const connections of [1, 2]) {
    for (const rowsPerChunk of [100, 1_000, 10_000]) {
      const clients = await Promise.all(
        Array.from({ length: connections }, async () => {
          const client = new pg.Client({ connectionString: url });
          await client.connect();
          return client;
        }),
      );
      await clients[0].query('TRUNCATE metadata');
      const share = Math.ceil(total / connections);
      const chunksOf = (part: string[]) =>
        Array.from({ length: Math.ceil(part.length / rowsPerChunk) }, (_, c) =>
          part.slice(c * rowsPerChunk, (c + 1) * rowsPerChunk).join(''),
        );
      const parts = clients.map((_, c) => chunksOf(lines.slice(c * share, (c + 1) * share)));
      const started = performance.now();
      await Promise.all(
        clients.map((client, c) =>
          pipeline(
            Readable.from(parts[c]),
            client.query(
              copyFrom(
                'COPY metadata (id, topic, name, location, context, data, published_at) FROM STDIN',
              ),
            ),
          ),
        ),
      );
      const rate = total / ((performance.now() - started) / 1000);
      await Promise.all(clients.map((client) => client.end()));
      rates.push(`${connections}×${rowsPerChunk}: ${Math.round(rate).toLocaleString('en-US')}`);
      best = Math.max(best, rate);
    }
  }
  console.log(`  raw COPY rows/s by connections×rows per chunk: ${rates.join(', ')}`);
  return best;
}

export async function countRows(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ count: number }>(
      'SELECT count(*)::int AS count FROM metadata',
    );
    return rows[0].count;
  } finally {
    await client.end();
  }
}

/** Samples in a closed OpenMetrics file: every line that is no comment. */
function countSamples(file: string): number {
  let samples = 0;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line !== '' && !line.startsWith('#')) samples++;
  }
  return samples;
}

async function saveRowsPerSecond(url: string, total: number): Promise<number> {
  const store = await MetadataStore.open({ url, runMigrations: false });
  await store.dataSource.query('TRUNCATE metadata');
  const repository = store.dataSource.getRepository(MetadataEntity);
  const entities = Array.from({ length: total }, (_, i) =>
    repository.create({ ...benchRow(i), data: i }),
  );
  const started = performance.now();
  await repository.save(entities, { chunk: 1_000 });
  const seconds = (performance.now() - started) / 1000;
  await store.onApplicationShutdown();
  return total / seconds;
}
