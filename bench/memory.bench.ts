import { Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import pg from 'pg';
import {
  BrokerService,
  getEngineToken,
  MetadataEngine,
  MetadataStore,
  MetaQueue,
  MetaqueueModule,
} from '../src/lib/index.js';
import { figure, interleave, type Figure } from './report.js';

const metadata = (i: number) => ({
  data: { rows: i, table: 'customers' },
  name: 'rows_imported',
  location: `db://warehouse/${i % 100}`,
  context: 'memory bench',
});

/**
 * With the table locked by another session, publish 10× a queue's capacity
 * (overflow drop-oldest): heap growth against capacity × bytes per record,
 * and the counters must account for every record exactly.
 */
export async function memoryWhileStalled(
  url: string,
  scale: number,
  runs: number,
): Promise<Figure[]> {
  const capacity = Math.max(5_000, Math.round(100_000 * scale));
  const [growth, bound] = await interleave(
    runs,
    () => heapGrowthWhileStalled(url, capacity),
    async () => (capacity * (await measureBytesPerRecord(capacity))) / 1e6,
  );
  return [
    figure('heap growth with the database stalled vs capacity × record size', 'MB', growth, bound, {
      atMost: 1.5,
    }),
  ];
}

/** MB the heap grows by while 10× a queue's capacity is published into a stalled store. */
async function heapGrowthWhileStalled(url: string, capacity: number): Promise<number> {
  @Module({})
  class MemoryModule {}
  const module: DynamicModule = {
    module: MemoryModule,
    imports: [
      MetaqueueModule.forRoot({
        topics: [{ topic: 'mem', bufferSize: capacity, overflow: 'drop-oldest' }],
        store: { url },
        broker: { flushIntervalMs: 50, maxBatchSize: 1_000 },
      }),
    ],
  };
  const app = await NestFactory.createApplicationContext(module, { logger: ['error'] });
  const engine = app.get<MetadataEngine>(getEngineToken('mem'));
  const broker = app.get(BrokerService);
  await app.get(MetadataStore).dataSource.query('TRUNCATE metadata');
  const locker = new pg.Client({ connectionString: url });
  await locker.connect();
  await locker.query('BEGIN; LOCK TABLE metadata IN ACCESS EXCLUSIVE MODE');

  const before = heapAfterGc();
  const published = capacity * 10;
  for (let i = 0; i < published; i++) await engine.publish(metadata(i));
  const growth = heapAfterGc() - before;

  const c = engine.counters;
  const inFlight = broker.counters.inFlight;
  const dropped = c.dropped['drop-oldest'];
  if (c.published !== published || c.accepted + dropped !== published || engine.size !== capacity) {
    throw new Error(
      `memory bench: counters do not add up: ${JSON.stringify({ ...c, size: engine.size, inFlight })}`,
    );
  }
  if (dropped !== published - capacity - inFlight) {
    throw new Error(
      `memory bench: dropped ${dropped}, expected ${published - capacity - inFlight}`,
    );
  }
  await locker.query('COMMIT');
  await locker.end();
  await broker.flush();
  const [{ count }] = await app
    .get(MetadataStore)
    .dataSource.query<{ count: number }[]>(
      "SELECT count(*)::int AS count FROM metadata WHERE topic = 'mem'",
    );
  if (count !== c.accepted)
    throw new Error(`memory bench: stored ${count}, accepted ${c.accepted}`);
  await app.close();
  return growth / 1e6;
}

/** Heap bytes one queued record takes, measured on a queue of the same records. */
async function measureBytesPerRecord(n: number): Promise<number> {
  const engine = new MetadataEngine('measure', new MetaQueue({ bufferSize: n }));
  const before = heapAfterGc();
  for (let i = 0; i < n; i++) await engine.publish(metadata(i));
  const bytes = (heapAfterGc() - before) / n;
  if (engine.size !== n) throw new Error('measuring queue lost records');
  return bytes;
}

export function heapAfterGc(): number {
  if (!global.gc) throw new Error('run the benchmark with node --expose-gc (npm run bench does)');
  global.gc();
  global.gc();
  return process.memoryUsage().heapUsed;
}
