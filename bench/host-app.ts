// The host-latency benchmark's child: a Nest HTTP app (Express or Fastify)
// answering GET /ping, whose code publishes `rate` records/s through
// metaqueue, flushing to the server and the file, or with flushing off
// (store: false, the records taken and dropped at the broker's pace). It
// prints `port=N`, then `ready` as publishing starts. The bench marks the
// window it measures with SIGUSR2, once as its measured traffic starts and
// once as it ends; publishing stops then, and the app prints one JSON report:
// the event loop's p99 delay over the window, how long its thread waited for
// a core and how many of the machine's cores were busy meanwhile (Linux), and
// what became of the records.
import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import {
  BrokerService,
  getEngineToken,
  MetadataStore,
  MetaqueueModule,
  OpenMetricsFileConnector,
  type MetadataEngine,
} from '../src/lib/index.js';
import { importRowCount } from './import-metadata.js';
import { watchCores } from './machine-cpu.js';
import { mainThreadSchedule } from './main-thread.js';

const [adapter, mode, rate, file, url] = process.argv.slice(2);
const flushing = mode === 'flush';

@Controller()
class PingController {
  @Get('ping')
  ping(): string {
    return 'pong';
  }
}

@Module({
  imports: [
    MetaqueueModule.forRoot({
      topics: [{ topic: 'import', bufferSize: 1_000_000, overflow: 'drop-oldest' }],
      store: flushing ? { url } : false,
      connectors: flushing ? [new OpenMetricsFileConnector({ path: file })] : [],
      recordRuns: false,
    }),
  ],
  controllers: [PingController],
})
class HostModule {}

const app =
  adapter === 'fastify'
    ? await NestFactory.create(HostModule, new FastifyAdapter(), { logger: ['error'] })
    : await NestFactory.create(HostModule, { logger: ['error'] });
await app.listen(0, '127.0.0.1');
if (flushing) await app.get(MetadataStore).dataSource.query('TRUNCATE metadata');
const engine = app.get<MetadataEngine>(getEngineToken('import'));
const server = app.getHttpServer() as Server;
// Listening before `ready`: SIGUSR2's default would end the app.
const marks: (() => void)[] = [];
const windowMark = (n: number) => new Promise<void>((resolve) => (marks[n] = resolve));
const [windowStarts, windowEnds] = [windowMark(0), windowMark(1)];
let signals = 0;
process.on('SIGUSR2', () => marks[signals++]?.());
console.log(`port=${(server.address() as AddressInfo).port}`);
console.log('ready');

// A steady pace: every 10 ms, the records due by then, as a nightly import's tasks would.
const publishingSince = performance.now();
let published = 0;
const publisher = setInterval(() => {
  const due = Math.round(((performance.now() - publishingSince) / 1000) * Number(rate));
  for (; published < due; published++) void engine.publish(importRowCount(published));
}, 10);
// Without a store, the records are taken and dropped at the pace a broker would take them.
const dropper = flushing ? undefined : setInterval(() => engine.take(), 100);
// Measured once warm: the bench's warm-up traffic (a fresh process compiling, connecting) comes first.
await windowStarts;
const histogram = monitorEventLoopDelay({ resolution: 1 });
histogram.enable();
const scheduleBefore = mainThreadSchedule();
const cores = watchCores();
const measuringSince = performance.now();
await windowEnds;
clearInterval(publisher);
histogram.disable();
clearInterval(dropper);
const loopP99Ms = histogram.percentile(99) / 1e6;
const scheduleAfter = mainThreadSchedule();
// Over the window as it was, not as asked: a late timer is the load being measured.
const windowSeconds = (performance.now() - measuringSince) / 1000;
// Per second of the window: the app's thread waiting for a core, and the machine's cores in use.
const waitingMsPerS =
  scheduleBefore && scheduleAfter
    ? (scheduleAfter.waitingNs - scheduleBefore.waitingNs) / 1e6 / windowSeconds
    : undefined;
const coresBusy = cores?.();
const { dropped } = engine.counters;
let stored: number | undefined;
if (flushing) {
  await app.get(BrokerService).flush();
  const [{ count }] = await app
    .get(MetadataStore)
    .dataSource.query<{ count: number }[]>('SELECT count(*)::int AS count FROM metadata');
  stored = count;
}
await app.close();
console.log(
  JSON.stringify({
    loopP99Ms,
    waitingMsPerS,
    coresBusy,
    published,
    dropped: dropped['drop-oldest'],
    stored,
  }),
);
