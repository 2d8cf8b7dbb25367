// The RSS benchmark's child: stores `records` records end to end (file
// connector on), then prints its memory after a full collection, with the app
// still open: what it holds, not what it has not yet collected.
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { join } from 'node:path';
import {
  BrokerService,
  getEngineToken,
  MetadataStore,
  MetaqueueModule,
  OpenMetricsFileConnector,
  type MetadataEngine,
} from '../src/lib/index.js';

const [records, dir, url] = [Number(process.argv[2]), process.argv[3], process.argv[4]];

@Module({
  imports: [
    MetaqueueModule.forRoot({
      topics: ['rss'],
      store: url ? { url } : { pglite: { dataDir: join(dir, 'pglite') } },
      connectors: [new OpenMetricsFileConnector({ path: join(dir, 'log.txt') })],
    }),
  ],
})
class RssModule {}

const app = await NestFactory.createApplicationContext(RssModule, { logger: ['error'] });
await app.get(MetadataStore).dataSource.query('TRUNCATE metadata');
const engine = app.get<MetadataEngine<number>>(getEngineToken('rss'));
const publishers = 100;
await Promise.all(
  Array.from({ length: publishers }, async (_, p) => {
    for (let i = p; i < records; i += publishers) {
      await engine.publish({ data: i, name: 'rss_rows', location: `task_${p}`, context: 'rss' });
    }
  }),
);
await app.get(BrokerService).flush();
const beforeGc = process.memoryUsage().rss;
global.gc!();
global.gc!();
const m = process.memoryUsage();
console.log(
  `rss=${m.rss} rssBeforeGc=${beforeGc} heapUsed=${m.heapUsed} external=${m.external} arrayBuffers=${m.arrayBuffers}`,
);
await app.close();
