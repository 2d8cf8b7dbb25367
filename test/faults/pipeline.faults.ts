import { Test } from '@nestjs/testing';
import { writeSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  BrokerService,
  getEngineToken,
  MetaqueueModule,
  OpenMetricsFileConnector,
  InvalidMetadataError,
  type DataTypeName,
  type Metadata,
  type MetadataConnector,
  type MetadataEngine,
  type MetadataRecord,
  type OverflowPolicy,
} from '../../src/lib/index.js';
import { parseOpenMetrics } from '../support/openmetrics-tools.js';
import type { MetadataRow } from '../harness/test-database.js';
import { runLoadApp } from '../support/run-load-app.js';
import { acceptedIdsOf, FaultWorld, publishers, sleep, sumOf } from './harness.js';
import { publishCase } from './publish-cases.js';
import { score } from './scorecard.js';
import { CapturingLogger } from '../support/capturing-logger.js';

const policies: OverflowPolicy[] = ['block', 'drop-oldest', 'drop-newest', 'error'];

describe('faults', () => {
  let world: FaultWorld;
  beforeEach(async () => (world = await new FaultWorld().start()));
  afterEach(() => world.stop());

  it('connection cut again and again mid-flush, and after commits the app never heard of', async () => {
    const { engine, broker } = await world.boot({
      topics: ['jobs'],
      broker: { flushIntervalMs: 10, maxBatchSize: 300 },
    });
    world.proxy.cutAfterCopyCommits(3);
    // Six cuts as a COPY goes out, whatever the machine's speed: on a quiet machine a write
    // is over before a timed cutter sees it, so the timed one alone may never land mid-flush.
    world.proxy.cutWhenClientSends(' FROM STDIN', 6);
    const cutter = world.proxy.cutRepeatedly(60, () => broker.counters.sinks.store.backlog > 0);
    // Publishing paced over about two seconds, so the cutter finds flushes under way many times.
    const outcomes = await publishers(50, 200, async (p, i) => {
      if (i % 20 === 0) await sleep(200);
      return engine('jobs').publish({ data: i, name: 'cut', location: `p${p}`, context: 'c' });
    });
    await sleep(300);
    cutter.stop();
    await broker.flush();
    const c = engine('jobs').counters;
    const { failedWrites, alreadyWritten } = broker.counters.sinks.store;
    const tally = await world.tally(acceptedIdsOf(outcomes), [c]);
    const checks = {
      cutMidFlush: world.proxy.clientCuts === 6,
      retried: failedWrites > 0,
      committedThenCut: world.proxy.copiesCutAfterCommit === 3,
      retriedCommitsSkipped: alreadyWritten > 0,
    };
    expect(score('connection-cut', tally, { checks })).toBe(true);
  });

  it.each(policies)('database unreachable for 10 s, then back (%s)', async (overflow) => {
    const { engine, broker } = await world.boot({
      topics: [{ topic: 'jobs', bufferSize: 500, overflow }],
      broker: { flushIntervalMs: 20, maxBatchSize: 100, storeConcurrency: 2 },
    });
    world.proxy.refuse(true);
    const publishing = publishers(50, 100, (p, i) =>
      engine('jobs').publish({ data: i, name: 'outage', location: `p${p}`, context: overflow }),
    );
    let boundHeld = true;
    for (let t = 0; t < 100; t++) {
      await sleep(100);
      boundHeld &&= engine('jobs').size <= 500 && broker.counters.sinks.store.backlog <= 2 * 100;
    }
    const { tally, checks } = await world.endOutage(publishing, engine('jobs'), broker);
    expect(
      score(`database-down-${overflow}`, tally, {
        checks: { boundHeldWhileDown: boundHeld, ...checks },
      }),
    ).toBe(true);
  });

  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    it(`${signal} to a child process under load, while a batch is being stored`, async () => {
      const file = join(world.dir, 'log.txt');
      const { report, resolvedIds, killedInFlight } = await runLoadApp({
        store: { url: world.db.store.url },
        dir: world.dir,
        file,
        signal,
        whileWriting: true,
      });
      const killed = signal === 'SIGKILL';
      if (killed) {
        // A restart finishes the file the killed process left as a spool.
        const restarted = new OpenMetricsFileConnector({ samples: 'per-record', path: file });
        await restarted.open();
        await restarted.close();
      }
      const tally = await world.tally(resolvedIds, report ? [report] : []);
      // SIGKILL loses what was queued or being stored: at most the queue (20,000) plus
      // storeConcurrency (2) batches of maxBatchSize (2,000). The file may lag the table by as
      // much, never lead it.
      expect(
        score(signal.toLowerCase(), tally, {
          allowedLoss: killed ? 20_000 + 2 * 2_000 : 0,
          checks: {
            killedInFlight,
            somethingStored: tally.stored > 0,
            ...(killed ? {} : { reported: report !== undefined }),
          },
        }),
      ).toBe(true);
    });
  }

  it('poison rows at random positions in large batches', async () => {
    const { engine, broker } = await world.boot({
      topics: ['jobs'],
      broker: { maxBatchSize: 5_000 },
    });
    await world.db.query(
      `ALTER TABLE metadata ADD CONSTRAINT no_poison CHECK (location <> 'poison')`,
    );
    const poison = new Set<number>();
    while (poison.size < 40) poison.add(Math.floor(Math.random() * 20_000));
    const outcomes = await publishers(20, 1_000, (p, i) =>
      engine('jobs').publish({
        data: i,
        name: 'poison',
        location: poison.has(p * 1_000 + i) ? 'poison' : 'fine',
        context: 'c',
      }),
    );
    await broker.flush();
    const c = engine('jobs').counters;
    const deadLettered = broker.counters.sinks.store.deadLettered;
    const tally = await world.tally(acceptedIdsOf(outcomes), [c]);
    expect(
      score('poison-rows', tally, {
        checks: { allPoisonDeadLettered: deadLettered === 40 && tally.deadLettered === 40 },
      }),
    ).toBe(true);
  });

  it('a connector that fails half of its writes for a while', async () => {
    let calls = 0;
    const failingUntil = Date.now() + 3_000;
    const { engine, broker } = await world.boot({
      topics: ['jobs'],
      broker: { flushIntervalMs: 20, maxBatchSize: 500 },
      wrapFile: (file: MetadataConnector) => ({
        name: 'half-failing',
        open: () => file.open!(),
        close: () => file.close!(),
        write: (records: readonly MetadataRecord[]) =>
          ++calls % 2 === 0 && Date.now() < failingUntil
            ? Promise.reject(new Error('EIO (simulated)'))
            : file.write(records),
      }),
    });
    const outcomes = await publishers(20, 500, async (p, i) => {
      if (i % 100 === 0) await sleep(50);
      return engine('jobs').publish({ data: i, name: 'flaky', location: `p${p}`, context: 'c' });
    });
    await sleep(Math.max(0, failingUntil - Date.now()));
    await broker.flush();
    const c = engine('jobs').counters;
    const { failedWrites, dropped } = broker.counters.sinks['half-failing'];
    const tally = await world.tally(acceptedIdsOf(outcomes), [c]);
    expect(
      score('connector-half-failing', tally, {
        checks: { failed: failedWrites > 0, noneDropped: dropped === 0 },
      }),
    ).toBe(true);
  });

  it('two app instances writing to the same table at once', async () => {
    const [a, b] = await Promise.all([
      world.boot({ topics: ['jobs'], file: 'a.txt' }),
      world.boot({ topics: ['jobs'], file: 'b.txt' }),
    ]);
    const outcomes = (
      await Promise.all(
        [a, b].map((app, n) =>
          publishers(20, 500, (p, i) =>
            app
              .engine('jobs')
              .publish({ data: i, name: 'twin', location: `app${n}p${p}`, context: 'c' }),
          ),
        ),
      )
    ).flat();
    await Promise.all([a.broker.flush(), b.broker.flush()]);
    const counters = [a, b].map((app) => app.engine('jobs').counters);
    const tally = await world.tally(acceptedIdsOf(outcomes), counters);
    expect(score('two-instances', tally)).toBe(true);
  });

  it.each(policies)('1,000 concurrent publishers on a small queue (%s)', async (overflow) => {
    const { engine, broker } = await world.boot({
      topics: [{ topic: 'jobs', bufferSize: 16, overflow }],
      broker: { flushIntervalMs: 5, maxBatchSize: 8 },
    });
    const outcomes = await publishers(1_000, 5, (p, i) =>
      engine('jobs').publish({ data: i, name: 'crowd', location: `p${p}`, context: overflow }),
    );
    await broker.flush();
    const c = engine('jobs').counters;
    const rejected = outcomes.filter((o) => o.status === 'rejected').length;
    const tally = await world.tally(acceptedIdsOf(outcomes), [c]);
    const checks = {
      exactBalance:
        c.published === 5_000 && c.accepted + sumOf(c.dropped) + sumOf(c.rejected) === 5_000,
      rejectionsCounted: rejected === sumOf(c.rejected),
    };
    expect(score(`small-queue-${overflow}`, tally, { checks })).toBe(true);
  });

  it('property-based publishing: each case gets its known fate, and valid ones read back exactly', async () => {
    const dtypes: DataTypeName[] = ['json', 'number', 'integer', 'string', 'boolean'];
    const { engine, broker } = await world.boot({
      topics: dtypes.map((dtype) => ({ topic: dtype, dtype, bufferSize: 100_000 })),
    });
    const cases = fc.sample(publishCase, { numRuns: 10_000, seed: 20261129 });
    const expected = new Map<string, MetadataRecord>();
    const wrongFate: string[] = [];
    for (const { dtype, metadata, expect: fate } of cases) {
      let outcome: string;
      try {
        const record = await engine(dtype).publish(metadata as Metadata);
        expected.set(record!.id, record!);
        outcome = 'accepted';
      } catch (error) {
        const field = error instanceof InvalidMetadataError ? ` ${error.field}` : '';
        outcome = `${(error as Error).name}${field}`;
      }
      const want = fate ? `${fate.error}${'field' in fate ? ` ${fate.field}` : ''}` : 'accepted';
      if (outcome !== want) wrongFate.push(`${dtype}: ${want}, got ${outcome}`);
    }
    await broker.flush();
    const counters = dtypes.map((t) => engine(t).counters);
    const rows = await world.db.query<Omit<MetadataRow, 'stored_at'>>(
      'SELECT id, topic, name, location, context, data, published_at FROM metadata',
    );
    const tally = await world.tally(expected.keys(), counters);
    const samples = parseOpenMetrics(join(world.dir, 'log.txt'));
    let mismatches = 0;
    for (const row of rows) {
      const r = expected.get(row.id)!;
      const same =
        row.topic === r.topic &&
        row.name === r.name &&
        row.location === r.location &&
        row.context === r.context &&
        JSON.stringify(sortKeys(row.data)) === JSON.stringify(sortKeys(JSON.parse(r.json))) &&
        new Date(row.published_at).getTime() === r.publishedAt.getTime();
      if (!same) mismatches++;
    }
    for (const s of samples) {
      const r = expected.get(s.labels.id)!;
      const data = s.labels.data === undefined ? s.value : (JSON.parse(s.labels.data) as unknown);
      const same =
        s.name === r.name &&
        s.labels.topic === r.topic &&
        s.labels.location === r.location &&
        s.labels.context === r.context &&
        JSON.stringify(sortKeys(data)) === JSON.stringify(sortKeys(JSON.parse(r.json))) &&
        s.sec * 1000 + Math.round(s.nsec / 1e6) === r.publishedAt.getTime();
      if (!same) mismatches++;
    }
    const valid = cases.filter((c) => !c.expect).length;
    const checks = {
      everyCaseItsFate: wrongFate.length === 0,
      everyValidOneAccepted: tally.accepted === valid,
      exactRoundTrip: mismatches === 0,
    };
    if (wrongFate.length > 0)
      writeSync(1, `  wrong fates, first: ${wrongFate.slice(0, 5).join('; ')}\n`);
    expect(score('property-based', tally, { checks })).toBe(true);
  });

  it('SQL text, quotes, backslashes and unicode in every field, stored verbatim', async () => {
    const nasty = [
      `'; DROP TABLE metadata; --`,
      `" OR 1=1 --`,
      'back\\slash \\N \\\\ \\x00',
      "$1 $$ $tag$ E'\\n'",
      'new\nline\r\ntab\t',
      '日本語 😀 ẞ ﷺ \u2028\u2029 \u200b',
    ];
    const topics = [`topic ${nasty[0]}`, `topic ${nasty[5]}`];
    const { engine, broker } = await world.boot({ topics });
    const records: MetadataRecord[] = [];
    for (const topic of topics) {
      for (const text of nasty) {
        records.push(
          (await engine(topic).publish({
            data: { text, list: nasty },
            name: 'ns:verbatim',
            location: text,
            context: text,
          }))!,
        );
      }
    }
    await broker.flush();
    const rows = await world.db.query<{
      id: string;
      topic: string;
      location: string;
      context: string;
      data: { text: string };
    }>('SELECT id, topic, location, context, data FROM metadata');
    const byId = new Map(rows.map((r) => [r.id, r]));
    const verbatim = records.every((r) => {
      const row = byId.get(r.id);
      return (
        row?.topic === r.topic &&
        row.location === r.location &&
        row.context === r.context &&
        row.data.text === r.location
      );
    });
    const tally = await world.tally(records.map((r) => r.id));
    expect(score('sql-text-verbatim', tally, { checks: { verbatim } })).toBe(true);
  });

  it('never logs the password from the connection settings, while connections are cut', async () => {
    const password = 'Sup3r-s3cret-pw';
    const logger = new CapturingLogger();
    const url = new URL(world.proxiedUrl);
    url.password = password; // trust auth accepts any password: the app runs normally
    const moduleRef = await Test.createTestingModule({
      imports: [
        MetaqueueModule.forRoot({
          topics: ['jobs'],
          store: { url: url.toString() },
          broker: { flushIntervalMs: 10, retryInitialDelayMs: 10, retryMaxDelayMs: 50 },
          connectors: [
            new OpenMetricsFileConnector({
              samples: 'per-record',
              path: join(world.dir, 'log.txt'),
            }),
          ],
        }),
      ],
    })
      .setLogger(logger)
      .compile();
    await moduleRef.init();
    const jobs = moduleRef.get<MetadataEngine<number>>(getEngineToken('jobs'));
    const cutter = world.proxy.cutRepeatedly(60);
    const outcomes = await publishers(10, 300, (p, i) =>
      jobs.publish({ data: i, name: 'pw', location: `p${p}`, context: 'c' }),
    );
    cutter.stop();
    await moduleRef.get(BrokerService).flush();
    const c = jobs.counters;
    await moduleRef.close();
    const tally = await world.tally(acceptedIdsOf(outcomes), [c]);
    const checks = {
      somethingLogged: logger.lines.some((l) => l.includes('Storing metadata in PostgreSQL')),
      passwordNeverLogged: !logger.lines.some((l) => l.includes(password)),
    };
    expect(score('password-never-logged', tally, { checks })).toBe(true);
  });
});

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}
