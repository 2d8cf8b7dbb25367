import { jest } from '@jest/globals';
import { join } from 'node:path';
import { OpenMetricsFileConnector } from '../../src/lib/index.js';
import {
  bootReadsApp,
  heavyName,
  heavyRowsSql,
  heavySeriesPath,
  runningHeavyReadsSql,
} from '../harness/heavy-reads.js';
import { FaultWorld, sleep } from './harness.js';
import { score } from './scorecard.js';
import { hangBound } from '../support/hang-bound.js';

// Heavy abandoned reads during a flush: minutes, longer than the default bound.
jest.setTimeout(hangBound(180_000));

describe('read faults', () => {
  let world: FaultWorld;
  beforeEach(async () => (world = await new FaultWorld().start()));
  afterEach(() => world.stop());

  it('heavy abandoned reads during a flush', async () => {
    const running = async () =>
      (await world.db.query<{ running: number }>(runningHeavyReadsSql))[0].running;
    // Bounded polls: a condition that never holds fails the scenario, not the suite.
    const eventually = async (condition: () => Promise<boolean>, timeoutMs = 5_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!(await condition())) {
        if (Date.now() > deadline) return false;
        await sleep(20);
      }
      return true;
    };
    // The store's pool no larger than the read pool: were they shared, two charts would fill it.
    const reads = await bootReadsApp(
      { url: world.db.store.url!, poolSize: 2 },
      {
        reads: { poolSize: 2 },
        connectors: [
          new OpenMetricsFileConnector({ samples: 'per-record', path: join(world.dir, 'log.txt') }),
        ],
      },
    );
    world.watchDrops(reads.app);
    // Seconds of containment checks for each chart over them; the migrations made the table.
    await world.db.query(heavyRowsSql(600));
    const ids: string[] = [];
    const checks = { flushedWhileReadsRan: true, readsCancelledWithTheirClients: true };
    try {
      for (let round = 0; round < 3; round++) {
        const clients = Array.from({ length: 30 }, () => new AbortController());
        const requests = clients.map((client) =>
          fetch(`${reads.url}${heavySeriesPath}`, { signal: client.signal }).catch(() => 'gone'),
        );
        await eventually(async () => (await running()) >= 2);
        await sleep(500);
        for (const client of clients) client.abort();
        ids.push(...(await reads.publish(500)));
        await reads.broker.flush();
        checks.readsCancelledWithTheirClients &&= await eventually(
          async () => (await running()) === 0,
        );
        await Promise.all(requests);
        // Reads that stay: the flush goes through while they hold every read connection.
        const staying = Array.from({ length: 2 }, () => new AbortController());
        const answered = staying.map(() => false);
        const held = staying.map((client, i) =>
          fetch(`${reads.url}${heavySeriesPath}`, { signal: client.signal }).then(
            () => (answered[i] = true),
            () => undefined,
          ),
        );
        await eventually(async () => (await running()) >= 2);
        ids.push(...(await reads.publish(500)));
        await reads.broker.flush();
        checks.flushedWhileReadsRan &&= !answered.some(Boolean) && (await running()) >= 2;
        for (const client of staying) client.abort();
        await Promise.all(held);
      }
    } finally {
      await reads.app.close();
    }
    // The heavy rows were written by SQL, not published: the tally counts only what was.
    await world.db.query('DELETE FROM metadata WHERE name = $1', [heavyName]);
    const tally = await world.tally(ids);
    expect(score('heavy-abandoned-reads', tally, { checks })).toBe(true);
  });
});
