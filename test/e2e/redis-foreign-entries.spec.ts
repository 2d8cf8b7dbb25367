import { Logger } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { Redis } from 'ioredis';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import {
  BrokerService,
  getEngineToken,
  MetaqueueMetrics,
  MetaqueueModule,
  OpenMetricsFileConnector,
  type MetadataEngine,
  type MetaqueueModuleOptions,
  type RedisBufferOptions,
} from '../../src/lib/index.js';
import { bootMetaqueue } from '../support/boot.js';
import { CapturingLogger } from '../support/capturing-logger.js';
import {
  badRecordEntries,
  foreignEntries,
  pendingIn,
  readDeadLetters,
} from '../support/foreign-entries.js';
import { parseOpenMetrics } from '../support/openmetrics-tools.js';
import { idsOf } from '../support/pipeline.js';
import { until } from '../support/until.js';
import { RedisServer, withRedisServer } from '../harness/redis-server.js';
import { createTestDatabase, type TestDatabase } from '../harness/test-database.js';

const record = (i: number) => ({ data: i, name: 'n', location: 'l', context: 'c' });
const sorted = (ids: Iterable<string>) => [...ids].sort();

/**
 * Entries another program wrote into a topic's stream (#25, cases 7, 8 and
 * 11): each is moved to the dead-letter stream, logged once, counted, and
 * never stops the records around it.
 */
withRedisServer().describe('Redis buffer: foreign entries', () => {
  const redis = new RedisServer();
  let client: Redis;
  let db: TestDatabase;
  let dir: string;
  const apps: TestingModule[] = [];

  beforeAll(async () => {
    await redis.start();
    client = new Redis(redis.url);
  });
  afterAll(async () => {
    client.disconnect();
    await redis.remove();
  });
  beforeEach(async () => {
    db = await createTestDatabase({ reopen: true });
    dir = mkdtempSync(join(tmpdir(), 'metaqueue-foreign-'));
  });
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
    Logger.overrideLogger(false);
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A worker app whose log lines `logger` keeps from its first one. */
  async function bootWorker(options: MetaqueueModuleOptions, logger: CapturingLogger) {
    const app = await Test.createTestingModule({
      imports: [MetaqueueModule.forRoot({ topics: ['jobs'], ...options })],
    }).compile();
    app.useLogger(logger);
    apps.push(await app.init());
    return app;
  }

  it('moves aside every foreign shape, fresh, left pending or claimed; each record reaches each sink once, nothing stays pending', async () => {
    const buffer: RedisBufferOptions = {
      type: 'redis',
      url: redis.url,
      streamPrefix: `foreign:${randomUUID()}:`,
      claimIdleMs: 200,
      consumer: 'worker-1',
    };
    const stream = `${buffer.streamPrefix}jobs`;
    const publisher = await bootMetaqueue({
      topics: ['jobs'],
      buffer,
      broker: { role: 'publisher' },
    });
    apps.push(publisher);
    const jobs = publisher.get<MetadataEngine<number>>(getEngineToken('jobs'));
    for (const group of ['store', 'file']) {
      await client.xgroup('CREATE', stream, group, '0', 'MKSTREAM');
    }
    const shapes = [...foreignEntries, ...badRecordEntries];
    const ids: string[] = [];
    const foreignIds: string[] = [];
    // Left pending by a worker that is gone (claimed), by this worker before a restart, and new.
    for (const reader of ['gone-worker', 'worker-1', undefined]) {
      for (const { fields } of shapes) {
        const published = Array.from({ length: 20 }, (_, i) => jobs.publish(record(i)));
        ids.push(...idsOf(await Promise.allSettled(published)));
        foreignIds.push((await client.xadd(stream, '*', ...fields))!);
      }
      if (!reader) continue;
      for (const group of ['store', 'file']) {
        await client.xreadgroup('GROUP', group, reader, 'STREAMS', stream, '>');
      }
    }
    expect(ids).toHaveLength(3 * shapes.length * 20);

    const logger = new CapturingLogger();
    const path = join(dir, 'jobs.txt');
    const worker = await bootWorker(
      {
        buffer,
        store: db.store,
        connectors: [new OpenMetricsFileConnector({ samples: 'per-record', name: 'file', path })],
        broker: { role: 'worker', flushIntervalMs: 20 },
      },
      logger,
    );
    const broker = worker.get(BrokerService);
    await until(async () => {
      const pending = await Promise.all(['store', 'file'].map((g) => pendingIn(client, stream, g)));
      return (
        broker.counters.sinks.file.written === ids.length &&
        pending.every((n) => n === 0) &&
        (await client.xlen(buffer.streamPrefix!)) === foreignIds.length
      );
    }, 15_000);
    const metrics = (await worker.get(MetaqueueMetrics).scrape()).body;
    expect(metrics).toContain(
      `metaqueue_buffer_foreign_entries_total{stream="${stream}"} ${foreignIds.length}`,
    );
    for (const app of apps.splice(0)) await app.close();

    const rows = await db.query<{ id: string }>('SELECT id FROM metadata');
    expect(sorted(rows.map((r) => r.id))).toEqual(sorted(ids));
    expect(sorted(parseOpenMetrics(path).map((s) => s.labels.id))).toEqual(sorted(ids));
    expect(await db.query('SELECT id FROM metadata_dead_letter')).toEqual([]);
    const dead = await readDeadLetters(client, buffer.streamPrefix!);
    expect(sorted(dead.map((d) => d.id))).toEqual(sorted(foreignIds));
    expect(dead.every((d) => d.stream === stream)).toBe(true);
    for (const id of foreignIds) {
      expect(logger.lines.filter((line) => line.includes(`entry ${id} `))).toHaveLength(1);
    }
    const raw = shapes.flatMap((s) => s.fields.filter((f) => /[\n\r]/.test(f)));
    expect(logger.lines.filter((line) => raw.some((f) => line.includes(f)))).toEqual([]);
    expect(logger.lines.filter((line) => line.includes('Flush failed'))).toEqual([]);
  });
});
