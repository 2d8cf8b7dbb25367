import { PGlite } from '@electric-sql/pglite';
import { Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
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
  type MetadataRecord,
  type StoreOptions,
} from '../src/lib/index.js';
import { copyMetadataFrom, copyRows } from '../src/lib/store/copy-rows.js';
import { newRecordId } from '../src/lib/record/record-id.js';
import { MachineCpuRuns } from './machine-cpu.js';
import { pinPostgresApart } from './postgres-apart.js';
import { figure, fmt, interleave, type Figure } from './report.js';
import { stampedRecord } from './stamped-record.js';

const topics = Array.from({ length: 8 }, (_, i) => `topic_${i}`);
const perTask = 500;

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
 * Rows/s of one app run: `tasks` concurrent tasks publish 500 records each
 * over 8 topics, until all are stored and the app has closed (its OpenMetrics
 * file complete, if it has one). The table is emptied before the clock starts;
 * counting the rows afterwards is off the clock.
 */
async function endToEnd(
  store: StoreOptions,
  tasks: number,
  file: string | undefined,
  buffer?: BufferOptions,
  cpu?: MachineCpuRuns,
) {
  @Module({})
  class EndToEndModule {}
  const connector = file ? new OpenMetricsFileConnector({ path: file }) : undefined;
  const module: DynamicModule = {
    module: EndToEndModule,
    imports: [
      MetaqueueModule.forRoot({
        topics,
        store,
        connectors: connector ? [connector] : [],
        buffer,
        // Only the tasks' records, as in the raw COPY baseline: no run records.
        recordRuns: false,
      }),
    ],
    providers: [PublishTask],
  };
  const app = await NestFactory.createApplicationContext(module, { logger: ['error', 'warn'] });
  const dataSource = app.get(MetadataStore).dataSource;
  await dataSource.query('TRUNCATE metadata');
  const started = performance.now();
  const cpuUsed = cpu?.start();
  await app.get(TaskRunner).run(
    Array.from({ length: tasks }, () => PublishTask),
    Array.from({ length: tasks }, (_, i) => [i, perTask]) as never,
  );
  await app.get(BrokerService).flush();
  const countedAt = performance.now();
  const [{ count }] = await dataSource.query<{ count: number }[]>(
    'SELECT count(*)::int AS count FROM metadata',
  );
  const closing = performance.now();
  await app.close();
  const seconds = (performance.now() - closing + (countedAt - started)) / 1000;
  const total = tasks * perTask;
  cpuUsed?.(total);
  if (count !== total) throw new Error(`end to end stored ${count} of ${total} records`);
  if (file && connector) {
    // In series, samples of one series and millisecond are merged; a file connector that falls
    // more than maxConnectorBacklog behind drops its oldest, counted. Only a drop is news.
    const inFile = countSamples(file);
    const { samplesMerged } = connector.stats();
    if (inFile + samplesMerged !== total) {
      console.log(
        `  note: the file holds ${inFile} samples and merged ${samplesMerged}, of ${total} records: ${total - inFile - samplesMerged} dropped`,
      );
    }
    rmSync(file);
  }
  return total / seconds;
}

/**
 * `total` rows like the app's, built before any clock starts: ids as the
 * engine stamps them, and times 100 rows a millisecond apart, as the app
 * publishes them (one time for all put every insert into the time-ordered
 * indexes at a random place among equals).
 */
function benchRecords(total: number): MetadataRecord[] {
  const start = Date.now();
  return Array.from({ length: total }, (_, i) =>
    stampedRecord(
      topics[i % topics.length],
      { data: i, name: 'bench_rows', location: `task_${i % 1_000}`, context: 'end to end' },
      start + Math.floor(i / 100),
    ),
  );
}

/** COPY's two formats: the store sends binary; text is what a user would write by hand. */
type CopyFormat = 'text' | 'binary';

/** The records as COPY input in `format`, `rowsPerChunk` rows a chunk, built before any clock starts. */
async function copyChunks(
  records: readonly MetadataRecord[],
  format: CopyFormat,
  rowsPerChunk: number,
): Promise<Buffer<ArrayBuffer>[]> {
  const chunks: Buffer<ArrayBuffer>[] = [];
  if (format === 'binary') {
    for await (const chunk of copyRows(records, rowsPerChunk)) chunks.push(chunk);
    return chunks;
  }
  for (let c = 0; c < records.length; c += rowsPerChunk) {
    // The bench's fields need no escaping.
    const rows = records
      .slice(c, c + rowsPerChunk)
      .map(
        (r) =>
          `${r.id}\t${r.topic}\t${r.name}\t${r.location}\t${r.context}\t${r.json}\t${r.publishedAt.toISOString()}\n`,
      );
    chunks.push(Buffer.from(rows.join('')));
  }
  return chunks;
}

/** A raw COPY's connections, rows per chunk and format. */
type RawCopySetting = readonly [connections: number, rowsPerChunk: number, format: CopyFormat];

/** Raw COPY FROM STDIN of pre-built chunks, as `setting` says: rows/s. */
async function serverCopy(
  url: string,
  records: readonly MetadataRecord[],
  [connections, rowsPerChunk, format]: RawCopySetting,
  cpu?: MachineCpuRuns,
) {
  const clients = await Promise.all(
    Array.from({ length: connections }, async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      return client;
    }),
  );
  try {
    await clients[0].query('TRUNCATE metadata');
    const share = Math.ceil(records.length / connections);
    const parts = await Promise.all(
      clients.map((_, c) =>
        copyChunks(records.slice(c * share, (c + 1) * share), format, rowsPerChunk),
      ),
    );
    const statement = copyMetadataFrom('STDIN', format);
    const started = performance.now();
    const cpuUsed = cpu?.start();
    await Promise.all(
      clients.map((client, c) =>
        pipeline(Readable.from(parts[c]), client.query(copyFrom(statement))),
      ),
    );
    const rate = records.length / ((performance.now() - started) / 1000);
    cpuUsed?.(records.length);
    return rate;
  } finally {
    await Promise.all(clients.map((client) => client.end()));
  }
}

/** Raw COPY FROM '/dev/blob' of pre-built rows into a bare PGlite of `dataDir`, a COPY per blob: rows/s. */
async function pgliteCopy(
  dataDir: string,
  records: readonly MetadataRecord[],
  rowsPerCopy: number,
  format: CopyFormat,
) {
  const blobs: Blob[] = [];
  for (let i = 0; i < records.length; i += rowsPerCopy) {
    blobs.push(new Blob(await copyChunks(records.slice(i, i + rowsPerCopy), format, rowsPerCopy)));
  }
  const statement = copyMetadataFrom("'/dev/blob'", format);
  const db = await PGlite.create(dataDir);
  try {
    await db.exec('TRUNCATE metadata');
    const started = performance.now();
    for (const blob of blobs) await db.query(statement, [], { blob });
    return records.length / ((performance.now() - started) / 1000);
  } finally {
    await db.close();
  }
}

/** The fastest of a few settings, each run once and printed: the raw limit's settings. */
async function fastest<T>(
  label: string,
  settings: T[],
  rate: (setting: T) => Promise<number>,
): Promise<T> {
  const rates: string[] = [];
  let best = settings[0];
  let bestRate = 0;
  for (const setting of settings) {
    const r = await rate(setting);
    rates.push(`${JSON.stringify(setting)}: ${fmt(r)}`);
    if (r > bestRate) [best, bestRate] = [setting, r];
  }
  console.log(`  ${label}: ${rates.join(', ')}`);
  return best;
}

/**
 * End to end on the server (file connector on), against raw COPY of the same
 * rows and against the same app with the file connector off; end to end on
 * PGlite against raw PGlite COPY, and against the server; and TypeORM save().
 * Each pair is interleaved and repeated.
 */
export async function endToEndFigures(url: string, scale: number, runs: number) {
  const tasks = Math.max(8, Math.round(1_000 * scale));
  const total = tasks * perTask;
  const dir = mkdtempSync(join(tmpdir(), 'metaqueue-bench-'));
  const file = join(dir, 'log.txt');
  const dataDir = join(dir, 'pglite');
  try {
    const records = benchRecords(total);
    const server = { url };
    // The table, made by the migrations, off the clock.
    await (await MetadataStore.open(server)).onApplicationShutdown();
    // The server's limit: the best of one or two connections, 1,000 or 10,000 rows a chunk, text or binary.
    const raw = await fastest(
      'raw COPY rows/s by [connections, rows per chunk, format]',
      (['text', 'binary'] as const).flatMap((format) =>
        [1, 2].flatMap((c) => [1_000, 10_000].map((r): RawCopySetting => [c, r, format])),
      ),
      (setting) => serverCopy(url, records, setting),
    );
    // What the machine spends per row on each: on two cores, what bounds the ratio.
    const appCpu = new MachineCpuRuns();
    const rawCpu = new MachineCpuRuns();
    const [withFile, rawCopy, withoutFile] = await interleave(
      runs,
      () => endToEnd(server, tasks, file, undefined, appCpu),
      () => serverCopy(url, records, raw, rawCpu),
      () => endToEnd(server, tasks, undefined),
    );

    // The same pair with PostgreSQL on a core of its own: does the app's CPU, or its pace, hold it back?
    const apart = pinPostgresApart();
    let pinned: number[][] = [[], []];
    if (typeof apart === 'string')
      console.log(`  not measured with PostgreSQL on a core of its own: ${apart}`);
    else {
      try {
        pinned = await interleave(
          runs,
          () => endToEnd(server, tasks, file),
          () => serverCopy(url, records, raw),
        );
      } finally {
        apart();
      }
    }

    const embedded = { pglite: { dataDir } };
    // A first start creates the directory and its table, off the clock.
    await (await MetadataStore.open(embedded)).onApplicationShutdown();
    const [rowsPerCopy, format] = await fastest(
      'raw PGlite COPY rows/s by [rows per COPY, format]',
      (['text', 'binary'] as const).flatMap((f) =>
        [5_000, 50_000, total].map((r) => [r, f] as const),
      ),
      ([r, f]) => pgliteCopy(dataDir, records, r, f),
    );
    const [pgliteEndToEnd, pgliteRaw] = await interleave(
      runs,
      () => endToEnd(embedded, tasks, file),
      () => pgliteCopy(dataDir, records, rowsPerCopy, format),
    );

    const typeormRows = Math.min(total, 50_000);
    const [save, insert] = await interleave(
      runs,
      () => typeormRowsPerSecond(url, typeormRows, 'save'),
      () => typeormRowsPerSecond(url, typeormRows, 'insert'),
    );
    return [
      figure('PGlite end to end vs raw PGlite COPY', 'rows/s', pgliteEndToEnd, pgliteRaw, {
        atLeast: 0.8,
      }),
      figure('PGlite end to end vs server end to end', 'rows/s', pgliteEndToEnd, withFile),
      figure('server end to end vs raw COPY', 'rows/s', withFile, rawCopy, { atLeast: 0.9 }),
      ...(appCpu.coresBusy.length > 0
        ? [
            figure(
              'machine CPU per row (every process), server end to end vs raw COPY',
              'µs/row',
              appCpu.microsPerRow,
              rawCpu.microsPerRow,
            ),
            figure(
              "PostgreSQL's CPU per row (its processes here), server end to end vs raw COPY",
              'µs/row',
              appCpu.postgresMicrosPerRow,
              rawCpu.postgresMicrosPerRow,
            ),
            figure(
              "the bench process's CPU per row (the app; raw COPY's client), server end to end vs raw COPY",
              'µs/row',
              appCpu.ownMicrosPerRow,
              rawCpu.ownMicrosPerRow,
            ),
            figure(
              'cores busy, server end to end vs raw COPY',
              'cores',
              appCpu.coresBusy,
              rawCpu.coresBusy,
            ),
          ]
        : []),
      ...(pinned[0].length > 0
        ? [
            figure(
              'server end to end vs raw COPY, PostgreSQL on a core of its own and the app on the rest (taskset)',
              'rows/s',
              pinned[0],
              pinned[1],
            ),
          ]
        : []),
      figure('end to end, file connector on vs off', 'rows/s', withFile, withoutFile, {
        atLeast: 0.95,
      }),
      figure('server end to end vs TypeORM save()', 'rows/s', withFile, save, { atLeast: 8 }),
      figure(
        'server end to end vs TypeORM insert() in chunks of 1,000',
        'rows/s',
        withFile,
        insert,
        {
          atLeast: 4,
        },
      ),
    ] satisfies Figure[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
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

/**
 * What a user writes by hand with TypeORM: `save()` in chunks of 1,000
 * entities, or `insert()` of 1,000 pre-built rows at a time (no entity
 * lifecycle, one multi-row INSERT per chunk): rows/s.
 */
async function typeormRowsPerSecond(
  url: string,
  total: number,
  how: 'save' | 'insert',
): Promise<number> {
  const store = await MetadataStore.open({ url, runMigrations: false });
  await store.dataSource.query('TRUNCATE metadata');
  const repository = store.dataSource.getRepository(MetadataEntity);
  const entities = Array.from({ length: total }, (_, i) => {
    const publishedAt = new Date();
    return repository.create({
      id: newRecordId(publishedAt.getTime()),
      topic: topics[i % topics.length],
      name: 'bench_rows',
      location: `task_${i % 1_000}`,
      context: 'end to end',
      data: i,
      publishedAt,
    });
  });
  const started = performance.now();
  if (how === 'save') await repository.save(entities, { chunk: 1_000 });
  else {
    // insert() takes partial rows; `data` is jsonb of any shape, which its type cannot say.
    const rows = entities as Extract<Parameters<typeof repository.insert>[0], unknown[]>;
    for (let i = 0; i < total; i += 1_000) await repository.insert(rows.slice(i, i + 1_000));
  }
  const seconds = (performance.now() - started) / 1000;
  await store.onApplicationShutdown();
  return total / seconds;
}

/**
 * Rows/s of the end-to-end workload on the server, with the file connector,
 * with the memory buffer or `buffer` (a disk buffer gets a directory of its
 * own): the disk buffer's benchmark compares them.
 */
export async function endToEndRate(
  url: string,
  scale: number,
  buffer?: BufferOptions,
): Promise<{ rate: number; total: number }> {
  const tasks = Math.max(8, Math.round(1_000 * scale));
  const dir = mkdtempSync(join(tmpdir(), 'metaqueue-bench-e2e-'));
  try {
    const inDir = buffer?.type === 'disk' ? { ...buffer, path: join(dir, 'buffer') } : buffer;
    const rate = await endToEnd({ url }, tasks, join(dir, 'log.txt'), inDir);
    return { rate, total: tasks * perTask };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function truncate(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('TRUNCATE metadata');
  await client.end();
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
