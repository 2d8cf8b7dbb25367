import type { TestingModule } from '@nestjs/testing';
import pg from 'pg';
import {
  BrokerService,
  FlushTimeoutError,
  getEngineToken,
  type BrokerOptions,
  type MetadataEngine,
  type OverflowPolicy,
} from '../../src/lib/index.js';
import { bootMetaqueue } from '../support/boot.js';
import { describeOnServer } from '../support/describe-on-server.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { until } from '../support/until.js';
import { createTestDatabase, serverUrl, type TestDatabase } from '../harness/test-database.js';

/** Faults only a real server can show: a network between app and database, other sessions. */
describeOnServer('store faults on PostgreSQL', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  const apps: TestingModule[] = [];

  beforeEach(async () => {
    db = await createTestDatabase();
    const server = new URL(serverUrl!);
    proxy = await new TcpProxy(server.hostname, Number(server.port || 5432)).start();
  });
  afterEach(async () => {
    proxy.refuse(false);
    await Promise.all(apps.splice(0).map((app) => app.close()));
    await proxy.stop();
    await db.drop();
  });

  /** An app whose connections all pass through the proxy. */
  const boot = async (
    broker: BrokerOptions,
    queue: { overflow?: OverflowPolicy; bufferSize?: number } = {},
  ) => {
    const url = new URL(db.store.url!);
    url.host = `127.0.0.1:${proxy.port}`;
    const app = await bootMetaqueue({
      topics: [{ topic: 'jobs', ...queue }],
      store: { url: url.toString() },
      broker: { retryInitialDelayMs: 10, retryMaxDelayMs: 200, ...broker },
    });
    apps.push(app);
    return {
      engine: app.get<MetadataEngine<number>>(getEngineToken('jobs')),
      broker: app.get(BrokerService),
    };
  };

  const storedIds = async () =>
    (await db.query<{ id: string }>('SELECT id FROM metadata')).map((row) => row.id);

  it('connections cut again and again mid-flush: nothing lost, nothing duplicated', async () => {
    const { engine, broker } = await boot({ flushIntervalMs: 10, maxBatchSize: 300 });
    // A timed cutter can miss every write on a quiet machine: three cuts land as a COPY goes out.
    proxy.cutWhenClientSends(' FROM STDIN', 3);
    const cutter = proxy.cutRepeatedly(60);
    const ids = (
      await Promise.all(
        Array.from({ length: 50 }, async (_, publisher) => {
          const mine: string[] = [];
          for (let i = 0; i < 400; i++) {
            mine.push(
              (await engine.publish({
                data: i,
                name: 'n',
                location: `p${publisher}`,
                context: 'c',
              }))!.id,
            );
            // Paced over about two seconds, so the cutter finds flushes under way many times.
            if (i % 50 === 0) await new Promise((r) => setTimeout(r, 250));
          }
          return mine;
        }),
      )
    ).flat();
    await new Promise((r) => setTimeout(r, 300));
    const cuts = cutter.stop();
    await broker.flush();

    expect(cuts).toBeGreaterThan(5);
    expect(broker.counters.sinks.store.failedWrites).toBeGreaterThan(0);
    const stored = await storedIds();
    expect(stored.length).toBe(20_000);
    expect(new Set(stored)).toEqual(new Set(ids));
    expect(engine.counters.accepted).toBe(20_000);
  });

  it.each<[OverflowPolicy]>([['block'], ['drop-oldest'], ['drop-newest'], ['error']])(
    'database unreachable, then back (%s): the bound holds, drops are counted, the rest arrives',
    async (overflow) => {
      const { engine, broker } = await boot(
        { flushIntervalMs: 20, maxBatchSize: 100, storeConcurrency: 2 },
        { overflow, bufferSize: 500 },
      );
      proxy.refuse(true);
      // While down: at most the queue plus storeConcurrency batches in flight are held.
      let most = { queued: 0, backlog: 0 };
      const watcher = setInterval(() => {
        most = {
          queued: Math.max(most.queued, engine.size),
          backlog: Math.max(most.backlog, broker.counters.sinks.store.backlog),
        };
      }, 1);
      const publishing = Promise.allSettled(
        Array.from({ length: 3_000 }, (_, i) =>
          engine.publish({ data: i, name: 'n', location: 'l', context: 'c' }),
        ),
      );
      // Down until the store's window is full of failing writes, and every publish has
      // met the policy: settled, or (block) waiting behind a full queue.
      const pressed = () => {
        const { failedWrites, backlog } = broker.counters.sinks.store;
        const { waiting } = engine.counters;
        return failedWrites > 0 && backlog === 2 * 100 && (waiting === 0 || engine.size === 500);
      };
      await until(pressed).finally(() => clearInterval(watcher));
      expect(most.queued).toBeLessThanOrEqual(500);
      expect(most.backlog).toBeLessThanOrEqual(2 * 100);
      proxy.refuse(false);
      const outcomes = await publishing;
      await broker.flush();

      const c = engine.counters;
      const dropped = c.dropped['drop-newest'] + c.dropped['drop-oldest'];
      expect(c.accepted + dropped + c.rejected['queue-full']).toBe(3_000);
      expect(outcomes.filter((o) => o.status === 'rejected').length).toBe(c.rejected['queue-full']);
      if (overflow === 'block') expect(c.accepted).toBe(3_000);
      else expect(c.accepted).toBeLessThan(3_000);
      expect((await storedIds()).length).toBe(c.accepted);
    },
  );

  it('flush({ timeoutMs }) rejects while the table is locked, and the records still arrive', async () => {
    const { engine, broker } = await boot({ flushIntervalMs: 3_600_000 });
    const locker = new pg.Client({ connectionString: db.store.url });
    await locker.connect();
    await locker.query('BEGIN; LOCK TABLE metadata IN ACCESS EXCLUSIVE MODE');
    await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        engine.publish({ data: i, name: 'n', location: 'l', context: 'c' }),
      ),
    );
    await expect(broker.flush({ timeoutMs: 200 })).rejects.toThrow(FlushTimeoutError);
    await locker.query('COMMIT');
    await locker.end();
    await broker.flush();
    expect((await storedIds()).length).toBe(100);
  });

  it('two applications write into the same table at once without conflict', async () => {
    const [first, second] = await Promise.all([
      boot({ maxBatchSize: 500 }),
      boot({ maxBatchSize: 500 }),
    ]);
    const publishAll = (engine: MetadataEngine<number>, tag: string) =>
      Promise.all(
        Array.from({ length: 4_000 }, (_, i) =>
          engine.publish({ data: i, name: 'n', location: tag, context: 'c' }),
        ),
      );
    await Promise.all([publishAll(first.engine, 'first'), publishAll(second.engine, 'second')]);
    await Promise.all([first.broker.flush(), second.broker.flush()]);
    const rows = await db.query<{ location: string; count: number }>(
      'SELECT location, count(*)::int AS count FROM metadata GROUP BY location ORDER BY location',
    );
    expect(rows).toEqual([
      { location: 'first', count: 4_000 },
      { location: 'second', count: 4_000 },
    ]);
  });
});
