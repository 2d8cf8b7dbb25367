import { jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { MetadataStore, type MetadataRecord } from '../../src/lib/index.js';
import { acceptedIdsOf, FaultWorld, sleep } from './harness.js';
import { score } from './scorecard.js';

const day = 86_400_000;
// A midnight of the scenario's own: the process's clock (Date only; timers stay real) is
// set just before it and runs on in real time, so publishing crosses it.
const midnight = Date.UTC(2030, 0, 1);

describe('partition faults', () => {
  let world: FaultWorld;
  beforeEach(async () => {
    jest.useFakeTimers({
      now: midnight - 1_500,
      advanceTimers: true,
      doNotFake: [
        'hrtime',
        'nextTick',
        'performance',
        'queueMicrotask',
        'setImmediate',
        'clearImmediate',
        'setInterval',
        'clearInterval',
        'setTimeout',
        'clearTimeout',
      ],
    });
    world = await new FaultWorld().start();
  });
  afterEach(async () => {
    await world.stop();
    jest.useRealTimers();
  });

  it('retention drops partitions and a day rolls over while the broker writes at full speed', async () => {
    // No partition ahead: the new day's records go to the default partition until the
    // maintenance, running all along, makes their partition and moves them into it.
    const { app, engine } = await world.boot({
      topics: ['jobs'],
      store: { retention: '3d', partitionsAhead: 0 },
      broker: { flushIntervalMs: 20, maxBatchSize: 1_000 },
    });
    const store = app.get(MetadataStore);
    // Eight old days, past the 3-day horizon, with records of their own: gone by the end.
    const template = (await engine('jobs').publish({
      data: -1,
      name: 'old',
      location: 'l',
      context: 'c',
    }))!;
    for (let d = 12; d >= 5; d--) await store.maintenance.createAhead(new Date(midnight - d * day));
    const old: MetadataRecord[] = Array.from({ length: 8_000 }, (_, i) => ({
      ...template,
      id: randomUUID(),
      publishedAt: new Date(midnight - (5 + (i % 8)) * day + 3_600_000),
    }));
    await store.write(old);

    let publishing = true;
    const maintaining = (async () => {
      while (publishing) {
        await store.maintenance.run();
        await sleep(100);
      }
    })();
    const outcomes = (
      await Promise.all(
        Array.from({ length: 10 }, async (_, p) => {
          const mine: PromiseSettledResult<unknown>[] = [];
          for (let i = 0; Date.now() < midnight + 2_000; i++) {
            mine.push(
              await engine('jobs')
                .publish({ data: i, name: 'rollover', location: `p${p}`, context: 'c' })
                .then(
                  (value) => ({ status: 'fulfilled' as const, value }),
                  (reason: unknown) => ({ status: 'rejected' as const, reason }),
                ),
            );
          }
          return mine;
        }),
      )
    ).flat();
    publishing = false;
    await maintaining;
    await app.get(MetadataStore).maintenance.run();
    const accepted = [template.id, ...acceptedIdsOf(outcomes)];
    const [where] = await world.db.query<{ before: number; after: number; inDefault: number }>(
      `SELECT count(*) FILTER (WHERE "published_at" < $1)::int AS "before",
              count(*) FILTER (WHERE "published_at" >= $1)::int AS "after",
              count(*) FILTER (WHERE tableoid = 'metadata_default'::regclass)::int AS "inDefault"
       FROM "metadata"`,
      [new Date(midnight)],
    );
    const partitions = await world.db.query<{ name: string }>(
      `SELECT c.relname AS "name" FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = 'metadata'::regclass`,
    );
    const { counters } = store.maintenance;
    const tally = await world.tally(accepted, [engine('jobs').counters]);
    const ok = score('retention-rollover', tally, {
      checks: {
        noneRefused: outcomes.every((o) => o.status === 'fulfilled') && tally.deadLettered === 0,
        // The old records were dropped with their partitions: any left would count as phantoms.
        oldPartitionsDropped: counters.partitionsDropped === 8,
        storedBeforeAndAfterMidnight: where.before > 0 && where.after > 0,
        newDayHasItsPartition: partitions.some((p) => p.name === 'metadata_d20300101'),
        noneLeftInDefault: where.inDefault === 0,
      },
    });
    expect(ok).toBe(true);
  });
});
