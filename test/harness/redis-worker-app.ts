// A child process for fleet tests and the Redis benchmark: a worker-only app
// that reads a topic's Redis stream and stores it, with an OpenMetrics file
// of its own. It prints `ready` once started, `in-flight` while its store
// writes a batch, and at the end one JSON line with its sinks' counters.
// METAQUEUE_TEST_TOPICS and METAQUEUE_TEST_BROKER (JSON) change its topics
// and broker options.
import 'reflect-metadata';
import { writeSync } from 'node:fs';
import { Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  BrokerService,
  MetaqueueModule,
  type BrokerOptions,
  OpenMetricsFileConnector,
  type RedisBufferOptions,
  type StoreOptions,
} from '../../src/lib/index.js';

const store = JSON.parse(process.env.METAQUEUE_TEST_STORE!) as StoreOptions;
const buffer = JSON.parse(process.env.METAQUEUE_TEST_BUFFER!) as RedisBufferOptions;
const broker = JSON.parse(process.env.METAQUEUE_TEST_BROKER ?? '{}') as BrokerOptions;
const topics = JSON.parse(process.env.METAQUEUE_TEST_TOPICS ?? '["load"]') as string[];

@Injectable()
class Report implements OnApplicationShutdown {
  constructor(private readonly broker: BrokerService) {}

  onApplicationShutdown(signal?: string): void {
    writeSync(1, `${JSON.stringify({ signal, ...this.broker.counters.sinks })}\n`);
  }
}

@Module({
  imports: [
    MetaqueueModule.forRoot({
      topics,
      store,
      buffer,
      broker: { role: 'worker', flushIntervalMs: 50, maxBatchSize: 500, ...broker },
      // One name on every worker: one consumer group, each worker writing its share to its own file.
      connectors: [
        new OpenMetricsFileConnector({
          samples: 'per-record',
          name: 'file',
          path: process.env.METAQUEUE_TEST_FILE!,
        }),
      ],
    }),
  ],
  providers: [Report],
})
class WorkerModule {}

const app = await NestFactory.createApplicationContext(WorkerModule, { logger: ['error'] });
app.enableShutdownHooks();
const brokerService = app.get(BrokerService);
writeSync(1, 'ready\n');
setInterval(() => {
  if (brokerService.counters.sinks.store.backlog > 0) writeSync(1, 'in-flight\n');
}, 10).unref();
