import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  BrokerService,
  EngineRegistry,
  MetadataController,
  MetaqueueBoardModule,
  MetaqueueModule,
  type MetadataConnector,
  type ReadOptions,
  type StoreOptions,
} from '../../src/lib/index.js';

/**
 * Reads that keep the database busy on a small table, through the public API
 * only: each row's `data` holds an array of 1,000 numbers, and a `data` filter
 * of 1,000 copies of the last one makes jsonb containment compare a million
 * pairs per row (tens of milliseconds a row), index or not.
 */
export const heavyName = 'heavy_rows';
const heavyFilter = encodeURIComponent(
  JSON.stringify({ xs: Array.from({ length: 1_000 }, () => 999) }),
);

/** A chart over every heavy row: the database reads them all before it answers. */
export const heavySeriesPath = `/board/api/series?name=${heavyName}&field=v&data=${heavyFilter}`;

/** A page of heavy rows: the database checks rows until the page is full. */
export const heavyPagePath = `/metadata?name=${heavyName}&data=${heavyFilter}`;

/** Adds `rows` heavy rows to `metadata`, with SQL, in one statement. */
export function heavyRowsSql(rows: number): string {
  return `INSERT INTO metadata (id, topic, name, location, context, data, published_at)
    SELECT gen_random_uuid(), 'heavy', '${heavyName}', 'loc_' || (i % 4), 'heavy',
      jsonb_build_object('v', i, 'xs', (SELECT jsonb_agg(j) FROM generate_series(0, 999) j)),
      now() - i * interval '1 second'
    FROM generate_series(1, ${rows}) i`;
}

/** Counts the heavy statements running on the database, from `pg_stat_activity`. */
export const runningHeavyReadsSql = `SELECT count(*)::int AS "running" FROM pg_stat_activity
  WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active'
    AND query LIKE '%@>%' AND query NOT LIKE '%pg_stat_activity%'`;

/** An app with metaqueue, GET /metadata and the board, listening on a free port. */
export interface ReadsApp {
  app: INestApplication;
  /** `http://127.0.0.1:<port>`, or the socket's path. */
  url: string;
  broker: BrokerService;
  /** Publishes `count` small records to topic `jobs`. */
  publish(count: number): Promise<string[]>;
}

/**
 * Boots it on TCP, or with `socketPath` on a Unix socket, whose kernel
 * buffers hold about 200 KB where loopback TCP's grow to megabytes: a client
 * that stops reading is then felt by the server at once.
 */
export async function bootReadsApp(
  store: StoreOptions,
  {
    reads,
    socketPath,
    connectors = [],
  }: { reads?: ReadOptions; socketPath?: string; connectors?: MetadataConnector[] } = {},
): Promise<ReadsApp> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      MetaqueueModule.forRoot({
        topics: ['jobs'],
        store,
        reads,
        connectors,
        broker: { flushIntervalMs: 3_600_000 },
        recordRuns: false,
      }),
      MetaqueueBoardModule.forRoot({ path: '/board' }),
    ],
    controllers: [MetadataController],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  if (socketPath) await app.listen(socketPath);
  else await app.listen(0, '127.0.0.1');
  const address = (app.getHttpServer() as Server).address() as AddressInfo | string;
  const engine = app.get(EngineRegistry).get('jobs');
  return {
    app,
    url: typeof address === 'string' ? address : `http://127.0.0.1:${address.port}`,
    broker: app.get(BrokerService),
    publish: async (count) =>
      (
        await Promise.all(
          Array.from({ length: count }, (_, i) =>
            engine.publish({ data: i, name: 'flushed', location: 'here', context: 'c' }),
          ),
        )
      ).map((record) => record!.id),
  };
}
