// A child process for signal tests: an app publishing under load until it is
// told to stop by a signal. It appends the id of every record whose publish
// resolved to METAQUEUE_TEST_IDS (a write() survives a SIGKILL); with
// METAQUEUE_TEST_BUFFER (JSON) it uses that buffer, and METAQUEUE_TEST_RUN
// tags its records' locations, so runs after restarts tell apart. It prints
// `ready` once records flow, `stored` once the store holds some, `in-flight`
// while the store writes a batch, and
// at the end one JSON line with its engine's counters and the buffer's figures.
// With METAQUEUE_TEST_TYPEORM, the store is the app's own TypeOrmModule DataSource
// over the same database. METAQUEUE_TEST_ADOPT_LOCKS (JSON) lists lock files whose
// PID it replaces with its own before it starts: the locks a killed predecessor
// with this PID left, as PID 1 finds them after a container restarts.
import 'reflect-metadata';
import {
  existsSync,
  openSync,
  readFileSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import {
  BrokerService,
  EngineClosedError,
  InjectEngine,
  MetaqueueModule,
  OpenMetricsFileConnector,
  type BrokerOptions,
  type BufferOptions,
  type MetadataEngine,
  metaqueueMigrations,
  type StoreOptions,
} from '../../src/lib/index.js';
import { appDataSourceOptions } from './app-data-source.js';

const store = JSON.parse(process.env.METAQUEUE_TEST_STORE ?? '{}') as StoreOptions;
const typeorm = process.env.METAQUEUE_TEST_TYPEORM
  ? TypeOrmModule.forRoot({
      ...(await appDataSourceOptions(store)),
      migrations: metaqueueMigrations,
      migrationsRun: true,
    })
  : undefined;
const buffer = JSON.parse(
  process.env.METAQUEUE_TEST_BUFFER || '{"type":"memory"}',
) as BufferOptions;
const run = process.env.METAQUEUE_TEST_RUN ?? '';

@Injectable()
class Report implements OnApplicationShutdown {
  constructor(
    @InjectEngine('load') private readonly engine: MetadataEngine<number>,
    private readonly broker: BrokerService,
  ) {}

  onApplicationShutdown(signal?: string): void {
    const { sinks, buffer } = this.broker.counters;
    const report = { signal, ...this.engine.counters, sinks, buffer };
    writeSync(1, `${JSON.stringify(report)}\n`);
  }
}

@Module({
  imports: [
    ...(typeorm ? [typeorm] : []),
    MetaqueueModule.forRoot({
      topics: [{ topic: 'load', bufferSize: 20_000 }],
      store: typeorm ? { typeormDataSource: 'default' } : store,
      buffer,
      broker: {
        flushIntervalMs: 200,
        maxBatchSize: 2_000,
        ...(JSON.parse(process.env.METAQUEUE_TEST_BROKER ?? '{}') as BrokerOptions),
      },
      connectors: process.env.METAQUEUE_TEST_FILE
        ? [
            new OpenMetricsFileConnector({
              samples: 'per-record',
              path: process.env.METAQUEUE_TEST_FILE,
            }),
          ]
        : [],
    }),
  ],
  providers: [Report],
})
class LoadModule {}

for (const lock of JSON.parse(process.env.METAQUEUE_TEST_ADOPT_LOCKS || '[]') as string[]) {
  if (!existsSync(lock)) throw new Error(`no lock to adopt at ${lock}`);
  writeFileSync(lock, readFileSync(lock, 'utf8').replace(/^\d+/, String(process.pid)));
}

// Warnings too: a buffer's damage is logged as one, with where it is.
const app = await NestFactory.createApplicationContext(LoadModule, {
  logger: ['error', 'warn'],
});
app.enableShutdownHooks();
const engine = app.get<MetadataEngine<number>>('metaqueue:engine:load');
const broker = app.get(BrokerService);
const ids = openSync(withoutTornLine(process.env.METAQUEUE_TEST_IDS!), 'a');

/**
 * A SIGKILL can cut the last id a killed run wrote (a write that crosses a
 * page): it is cut here, so this run's first id is a line of its own, not
 * glued to a piece of the last and lost with it.
 */
function withoutTornLine(path: string): string {
  if (existsSync(path)) {
    const text = readFileSync(path);
    const whole = text.lastIndexOf('\n') + 1;
    if (whole < text.length) truncateSync(path, whole);
  }
  return path;
}

// Tells the parent once the store holds records, and every 20 ms at most that a
// batch is being stored: a signal can land mid-write, with earlier batches stored.
let saidStored = false;
setInterval(() => {
  const { written, backlog } = broker.counters.sinks.store;
  if (!saidStored && written > 0) {
    saidStored = true;
    writeSync(1, 'stored\n');
  }
  if (backlog > 0) writeSync(1, 'in-flight\n');
}, 20).unref();

let announced = false;
for (let publisher = 0; publisher < 20; publisher++) {
  void (async () => {
    for (let i = 0; ; i++) {
      try {
        const record = await engine.publish({
          data: i,
          name: 'load',
          location: `${run}p${publisher}`,
          context: 'sigterm',
        });
        writeSync(ids, `${record!.id}\n`);
      } catch (error) {
        if (error instanceof EngineClosedError) return;
        throw error;
      }
      if (!announced && engine.counters.accepted >= 5_000) {
        announced = true;
        writeSync(1, 'ready\n');
      }
      if (i % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  })();
}
