import type { INestApplication } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  BrokerService,
  EngineRegistry,
  MetaqueueBoardModule,
  MetaqueueModule,
  type MetadataRecord,
  type MetaqueueBoardOptions,
  type StoreOptions,
} from '../../src/lib/index.js';

export type Adapter = 'express' | 'fastify';

/** The hostile strings the board must show as text. */
export const hostile = {
  location: '<script>alert(1)</script>',
  context: '<img src=x onerror=alert(2)>',
};

/** An app with metaqueue and the board, listening on a free port. */
export interface BoardApp {
  app: INestApplication;
  url: string;
  published: MetadataRecord[];
}

/**
 * Boots metaqueue (topics imports, checks, reports) and the board on a real
 * store, publishes records through the engines and flushes them: row counts
 * per table, statuses (one with the hostile location) and JSON reports.
 */
export async function bootBoardApp(
  store: StoreOptions,
  { adapter = 'express', board = {} }: { adapter?: Adapter; board?: MetaqueueBoardOptions } = {},
): Promise<BoardApp> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      MetaqueueModule.forRoot({
        topics: ['imports', 'checks', 'reports'],
        store,
        broker: { flushIntervalMs: 3_600_000 },
      }),
      MetaqueueBoardModule.forRoot({ path: '/board', ...board }),
    ],
  }).compile();
  const app =
    adapter === 'fastify'
      ? moduleRef.createNestApplication(new FastifyAdapter(), { logger: false })
      : moduleRef.createNestApplication({ logger: false });
  await app.listen(0, '127.0.0.1');
  const server = app.getHttpServer() as Server;
  // Tests pause between requests (inserting rows): a kept-alive socket must outlive the pause.
  server.keepAliveTimeout = 60_000;
  const { port } = server.address() as AddressInfo;

  const engines = app.get(EngineRegistry);
  const published: MetadataRecord[] = [];
  const publish = async (
    topic: string,
    record: Omit<MetadataRecord, 'id' | 'topic' | 'publishedAt' | 'json'>,
  ) => published.push((await engines.get(topic).publish(record))!);
  for (let i = 0; i < 60; i++) {
    const location = i % 3 === 0 ? 'orders' : 'customers';
    await publish('imports', {
      name: 'import_rows',
      location,
      context: `chunk ${i}`,
      data: 500 + ((i * 7919) % 500),
    });
    // Spread over time, so the chart has buckets to draw.
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  for (const location of ['https://api.internal/health', hostile.location]) {
    await publish('checks', {
      name: 'service_status',
      location,
      context: hostile.context,
      data: 'ok',
    });
  }
  for (const table of ['customers', 'orders']) {
    await publish('reports', {
      name: 'report_summary',
      location: `s3://reports/${table}.pdf`,
      context: 'quarterly close',
      data: { table, pages: table.length, author: { name: 'Zoë' } },
    });
  }
  await app.get(BrokerService).flush();
  return { app, url: `http://127.0.0.1:${port}`, published };
}
