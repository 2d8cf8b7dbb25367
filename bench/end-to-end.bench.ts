import { Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
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
 * in PostgreSQL and in the closed OpenMetrics file. Baselines: raw COPY of the
 * same rows (the limit) and TypeORM save() in chunks (what users write by hand).
 */
export async function endToEnd(url: string, scale: number): Promise<Figure[]> {
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
      }),
    ],
    providers: [PublishTask],
  };
  const app = await NestFactory.createApplicationContext(module, { logger: ['error', 'warn'] });
  const dataSource = app.get(MetadataStore).dataSource;
  const started = performance.now();
  await app.get(TaskRunner).run(
    Array.from({ length: tasks }, () => PublishTask),
    Array.from({ length: tasks }, (_, i) => [i, perTask]) as never,
  );
  await app.get(BrokerService).flush();
  const seconds = (performance.now() - started) / 1000;
  const [{ count }] = await dataSource.query<{ count: number }[]>(
    'SELECT count(*)::int AS count FROM metadata',
  );
  if (count !== total) throw new Error(`end to end stored ${count} of ${total} records`);
  await app.close();
  rmSync(dir, { recursive: true, force: true });
  const ours = total / seconds;

  const copy = await copyRowsPerSecond(url, total);
  const save = await saveRowsPerSecond(url, Math.min(total, 50_000));
  return [
    figure('end to end vs raw COPY', ours, 'rows/s', copy, { atLeast: 0.8 }),
    figure('end to end vs TypeORM save()', ours, 'rows/s', save, { atLeast: 8 }),
  ];
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

async function copyRowsPerSecond(url: string, total: number): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('TRUNCATE metadata');
  const lines: string[] = [];
  for (let i = 0; i < total; i++) {
    const r = benchRow(i);
    lines.push(
      `${r.id}\t${r.topic}\t${r.name}\t${r.location}\t${r.context}\t${r.data}\t${r.publishedAt.toISOString()}\n`,
    );
  }
  const started = performance.now();
  await pipeline(
    Readable.from(lines),
    client.query(
      copyFrom('COPY metadata (id, topic, name, location, context, data, published_at) FROM STDIN'),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  await client.end();
  return total / seconds;
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
