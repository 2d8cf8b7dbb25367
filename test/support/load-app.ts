// A child process for signal tests: an app publishing under load until it is
// told to stop by a signal. It prints `ready` once records flow, and at the
// end one JSON line with what its engine accepted.
import 'reflect-metadata';
import { writeSync } from 'node:fs';
import { Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  EngineClosedError,
  InjectEngine,
  MetaqueueModule,
  OpenMetricsFileConnector,
  type MetadataEngine,
  type StoreOptions,
} from '../../src/lib/index.js';

const store = JSON.parse(process.env.METAQUEUE_TEST_STORE ?? '{}') as StoreOptions;

@Injectable()
class Report implements OnApplicationShutdown {
  constructor(@InjectEngine('load') private readonly engine: MetadataEngine<number>) {}

  onApplicationShutdown(signal?: string): void {
    writeSync(1, `${JSON.stringify({ signal, ...this.engine.counters })}\n`);
  }
}

@Module({
  imports: [
    MetaqueueModule.forRoot({
      topics: [{ topic: 'load', bufferSize: 20_000 }],
      store,
      broker: { flushIntervalMs: 200, maxBatchSize: 2_000 },
      connectors: process.env.METAQUEUE_TEST_FILE
        ? [new OpenMetricsFileConnector({ path: process.env.METAQUEUE_TEST_FILE })]
        : [],
    }),
  ],
  providers: [Report],
})
class LoadModule {}

const app = await NestFactory.createApplicationContext(LoadModule, { logger: ['error'] });
app.enableShutdownHooks();
const engine = app.get<MetadataEngine<number>>('metaqueue:engine:load');

let announced = false;
for (let publisher = 0; publisher < 20; publisher++) {
  void (async () => {
    for (let i = 0; ; i++) {
      try {
        await engine.publish({
          data: i,
          name: 'load',
          location: `p${publisher}`,
          context: 'sigterm',
        });
      } catch (error) {
        if (error instanceof EngineClosedError) return;
        throw error;
      }
      // Progress for SIGKILL tests, which get no report at the end.
      if (engine.counters.accepted % 1_000 === 0)
        writeSync(1, `accepted ${engine.counters.accepted}\n`);
      if (!announced && engine.counters.accepted >= 5_000) {
        announced = true;
        writeSync(1, 'ready\n');
      }
      if (i % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  })();
}
