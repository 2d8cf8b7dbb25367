// A child process for the metrics tests: the common Nest setup, an app whose
// @willsoto/nestjs-prometheus serves GET /metrics from prom-client's global
// registry, with default metrics and a counter of its own (app_orders_total),
// and metaqueue's series registered in that registry (metrics: { registry }).
// It runs in a Node process of its own because that module is CommonJS and
// requires Nest 12, which is ESM only: Node's require(esm) loads it, Jest's
// module loader cannot before Node 24.9.
// METAQUEUE_TEST_STORE (JSON) is its store. It prints `port <port>`, then
// `ready`; POST /orders counts an order, POST /jobs/:count publishes that many
// records to topic `jobs`, POST /flush flushes. After SIGTERM, once closed, it
// prints one JSON line: the names in prom-client's global registry.
import 'reflect-metadata';
import { writeSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Controller, Injectable, Module, Param, ParseIntPipe, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { InjectMetric, makeCounterProvider, PrometheusModule } from '@willsoto/nestjs-prometheus';
import { register, type Counter } from 'prom-client';
import {
  BrokerService,
  InjectEngine,
  MetaqueueModule,
  type MetadataEngine,
  type StoreOptions,
} from '../../src/lib/index.js';

const store = JSON.parse(process.env.METAQUEUE_TEST_STORE!) as StoreOptions;

@Injectable()
class Orders {
  constructor(@InjectMetric('app_orders_total') readonly placed: Counter) {}
}

@Controller()
class DriveController {
  constructor(
    private readonly orders: Orders,
    @InjectEngine('jobs') private readonly jobs: MetadataEngine,
    private readonly broker: BrokerService,
  ) {}

  @Post('orders')
  order(): void {
    this.orders.placed.inc();
  }

  @Post('jobs/:count')
  async publish(@Param('count', ParseIntPipe) count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      await this.jobs.publish({ data: { i }, name: 'job', location: 'app', context: 'test' });
    }
  }

  @Post('flush')
  async flush(): Promise<void> {
    await this.broker.flush();
  }
}

@Module({
  imports: [
    PrometheusModule.register(),
    MetaqueueModule.forRoot({
      topics: ['jobs'],
      store,
      // Flushes only when asked, so the queue holds what was published.
      broker: { flushIntervalMs: 3_600_000 },
      metrics: { registry: register },
    }),
  ],
  controllers: [DriveController],
  providers: [
    Orders,
    makeCounterProvider({ name: 'app_orders_total', help: 'Orders the app took.' }),
  ],
})
class AppModule {}

const app = await NestFactory.create(AppModule, { logger: ['error'] });
await app.listen(0, '127.0.0.1');
process.once('SIGTERM', () => {
  void app.close().then(() => {
    writeSync(1, `${JSON.stringify(register.getMetricsAsArray().map((m) => m.name))}\n`);
    process.exit(0);
  });
});
writeSync(1, `port ${((app.getHttpServer() as Server).address() as AddressInfo).port}\n`);
writeSync(1, 'ready\n');
