import type { TestingModule } from '@nestjs/testing';
import { randomUUID } from 'node:crypto';
import {
  BrokerService,
  EngineClosedError,
  getEngineToken,
  MetadataStore,
  type MetadataEngine,
  type MetadataRecord,
} from '../../src/lib/index.js';
import { bootMetaqueue } from '../support/boot.js';
import { until } from '../support/until.js';
import {
  createTestDatabase,
  serverUrl,
  type MetadataRow,
  type TestDatabase,
} from '../harness/test-database.js';

const backend = serverUrl ? 'PostgreSQL' : 'PGlite';
const sorted = (ids: Iterable<string>) => [...ids].sort();

const awkward = [
  `it's "quoted"`,
  'back\\slash \\N \\\\',
  'new\nline\r\ncrlf\ttab',
  `'); DROP TABLE metadata; --`,
  'emoji 😀👩‍👩‍👧 and ünïcödé',
  'control \u0001\u0007\u001b\u007f',
  '{"not":"json"}, {a,b}, NULL',
];

describe(`store on ${backend}`, () => {
  let db: TestDatabase;
  let app: TestingModule | undefined;

  beforeEach(async () => {
    // One test reads the table after its app has closed.
    db = await createTestDatabase({ reopen: true });
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    await db.drop();
  });

  const boot = async (broker = {}) => {
    app = await bootMetaqueue({ topics: ['jobs', 'checks'], store: db.store, broker });
    return {
      jobs: app.get<MetadataEngine>(getEngineToken('jobs')),
      checks: app.get<MetadataEngine>(getEngineToken('checks')),
      broker: app.get(BrokerService),
      store: app.get(MetadataStore),
    };
  };

  it('migrations create exactly the schema the entities describe', async () => {
    const { store } = await boot();
    const pending = await store.dataSource.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('round-trips every field exactly, awkward values and a 1 MB JSON included', async () => {
    const { jobs, broker, store } = await boot();
    const big = { rows: Array.from({ length: 30_000 }, (_, i) => ({ i, s: `row ${i} "q" \\ é` })) };
    expect(JSON.stringify(big).length).toBeGreaterThan(1_000_000);
    const published: MetadataRecord[] = [];
    for (const text of awkward) {
      published.push(
        (await jobs.publish({
          data: { text, n: -1.5e300, list: [text, null, true] },
          name: 'job_meta',
          location: text,
          context: text,
        }))!,
      );
    }
    published.push(
      (await jobs.publish({
        data: text(awkward),
        name: 'ns:job_text',
        location: 'l',
        context: 'c',
      }))!,
    );
    published.push(
      (await jobs.publish({ data: big, name: 'job_big', location: 'l', context: 'c' }))!,
    );
    await broker.flush();

    const rows: MetadataRow[] = await store.dataSource.query('SELECT * FROM metadata');
    expect(rows).toHaveLength(published.length);
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const record of published) {
      const row = byId.get(record.id)!;
      expect(row).toMatchObject({
        topic: record.topic,
        name: record.name,
        location: record.location,
        context: record.context,
      });
      expect(row.data).toEqual(JSON.parse(record.json));
      expect(new Date(row.published_at).getTime()).toBe(record.publishedAt.getTime());
      expect(new Date(row.stored_at).getTime()).toBeGreaterThanOrEqual(
        record.publishedAt.getTime() - 1000,
      );
    }
  });

  it('stores exactly the accepted records, across topics and many batches', async () => {
    const { jobs, checks, broker, store } = await boot({ maxBatchSize: 700 });
    await Promise.all(
      Array.from({ length: 5_000 }, (_, i) =>
        (i % 3 ? jobs : checks).publish({ data: i, name: 'n', location: `l${i}`, context: 'c' }),
      ),
    );
    await broker.flush();
    const [{ count }] = await store.dataSource.query('SELECT count(*)::int AS count FROM metadata');
    const accepted = jobs.counters.accepted + checks.counters.accepted;
    expect(accepted).toBe(5_000);
    expect(count).toBe(accepted);
    expect(broker.counters).toMatchObject({
      sinks: { store: { written: 5_000, deadLettered: 0, backlog: 0 } },
      inFlight: 0,
    });
  });

  it('flushes on its own every flushIntervalMs', async () => {
    const { jobs, broker, store } = await boot({ flushIntervalMs: 50 });
    await jobs.publish({ data: 1, name: 'n', location: 'l', context: 'timer' });
    await until(async () => (await countRows(store)) === 1);
    expect(broker.counters.lastFlushAt).toBeInstanceOf(Date);
  });

  it('flushes at once when a queue holds maxBatchSize', async () => {
    const { checks, store } = await boot({ flushIntervalMs: 3_600_000, maxBatchSize: 100 });
    await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        checks.publish({ data: i, name: 'n', location: 'l', context: 'batch' }),
      ),
    );
    await until(async () => (await countRows(store)) === 100);
  });

  it('sends refused rows to the dead-letter table with the reason; the others are stored', async () => {
    const { jobs, broker, store } = await boot({ maxBatchSize: 2_000 });
    await store.dataSource.query(
      `ALTER TABLE metadata ADD CONSTRAINT no_poison CHECK (location <> 'poison')`,
    );
    const poison = new Set<number>();
    while (poison.size < 7) poison.add(Math.floor(Math.random() * 2_000));
    const records = await Promise.all(
      Array.from({ length: 2_000 }, (_, i) =>
        jobs.publish({
          data: i,
          name: 'n',
          location: poison.has(i) ? 'poison' : 'fine',
          context: 'c',
        }),
      ),
    );
    await broker.flush();
    expect(await countRows(store)).toBe(2_000 - 7);
    const dead: { id: string; data: string; reason: string }[] = await store.dataSource.query(
      'SELECT id, data, reason FROM metadata_dead_letter',
    );
    expect(dead.map((d) => Number(d.data)).sort((a, b) => a - b)).toEqual(
      [...poison].sort((a, b) => a - b),
    );
    expect(dead.map((d) => d.id).sort()).toEqual(
      records
        .filter((r) => r!.location === 'poison')
        .map((r) => r!.id)
        .sort(),
    );
    expect(dead[0].reason).toMatch(/^23514: .*no_poison/);
    expect(broker.counters.sinks.store).toMatchObject({ written: 2_000 - 7, deadLettered: 7 });
    // COPY was tried first, refused as a whole, and the batch took the exact path.
    expect(store.copyFallbacks).toBeGreaterThanOrEqual(1);
  });

  it('dead-letters a record whose id, time or text no column of metadata takes, and stores the rest (#25, case 8)', async () => {
    const { jobs, store } = await boot({ flushIntervalMs: 3_600_000 });
    const good = await Promise.all(
      Array.from({ length: 400 }, (_, i) =>
        jobs.publish({ data: i, name: 'n', location: 'l', context: 'c' }),
      ),
    ).then((records) => records.map((r) => r!));
    const [like] = good;
    const bad = [
      { ...like, id: 'not-a-uuid\nforged' },
      { ...like, id: randomUUID(), publishedAt: new Date(NaN) },
      // A Date, but before 4713 BC: no PostgreSQL time.
      { ...like, id: randomUUID(), publishedAt: new Date(-8e15) },
      { ...like, id: randomUUID(), name: 'nul\u0000name' },
    ];
    const result = await store.write([...good.slice(0, 200), ...bad, ...good.slice(200)]);
    expect(sorted(result.deadLettered.map((r) => r.id))).toEqual(sorted(bad.map((r) => r.id)));
    const stored = await store.dataSource.query<{ id: string }[]>('SELECT id FROM metadata');
    expect(sorted(stored.map((r) => r.id))).toEqual(sorted(good.map((r) => r.id)));
    const dead = await store.dataSource.query<
      { id: string; name: string; published_at: Date | null }[]
    >('SELECT id, name, published_at FROM metadata_dead_letter');
    const byId = new Map(dead.map((d) => [d.id, d]));
    expect(sorted(byId.keys())).toEqual(sorted(bad.map((r) => r.id)));
    expect(byId.get(bad[0].id)!.published_at).toEqual(like.publishedAt);
    expect(byId.get(bad[1].id)!.published_at).toBeNull();
    expect(byId.get(bad[2].id)!.published_at).toBeNull();
    expect(byId.get(bad[3].id)!.name).toBe('nul\\u0000name');
  });

  it('stores every time a record may have to the millisecond, and an id in a spelling COPY does not send, by the exact path', async () => {
    const { jobs, store } = await boot({ flushIntervalMs: 3_600_000 });
    const like = (await jobs.publish({ data: 0, name: 'n', location: 'l', context: 'c' }))!;
    const times = [
      '0001-01-01T00:00:00.000Z',
      '1714-03-01T12:00:00.001Z',
      '1969-12-31T23:59:59.999Z',
      '1999-12-31T23:59:59.999Z',
      '2000-01-01T00:00:00.000Z',
      '2286-07-01T00:00:00.999Z',
      '9999-12-31T23:59:59.999Z',
    ];
    const batch = times.map((time) => ({
      ...like,
      id: randomUUID().toUpperCase(),
      publishedAt: new Date(time),
    }));
    expect(await store.write(batch)).toEqual({ deadLettered: [], alreadyWritten: 0 });
    expect(store.copyFallbacks).toBe(0);
    // Microseconds since 1970 as the server holds them, exactly (numeric, not a double).
    const rows = await store.dataSource.query<{ id: string; us: string }[]>(
      `SELECT id::text, (extract(epoch FROM published_at) * 1000000)::numeric(30, 0)::text AS us FROM metadata`,
    );
    expect(new Map(rows.map((r) => [r.id, r.us]))).toEqual(
      new Map(
        batch.map((r) => [r.id.toLowerCase(), String(BigInt(r.publishedAt.getTime()) * 1000n)]),
      ),
    );
    // PostgreSQL takes a UUID without its dashes; COPY sends only the 36-character form.
    const plain = { ...like, id: randomUUID().replaceAll('-', '') };
    expect(await store.write([plain])).toEqual({ deadLettered: [], alreadyWritten: 0 });
    expect(store.copyFallbacks).toBe(1);
    expect(await countRows(store)).toBe(times.length + 1);
  });

  // 30,000 rows: the server refuses the first one while the rest are still being sent.
  it.each([1_200, 30_000])(
    'a batch of %i written again after a lost reply is stored once: COPY refuses it, the exact path counts it',
    async (n) => {
      const { jobs, store } = await boot({ flushIntervalMs: 3_600_000 });
      // Made from one published record: 30,000 publishes would fill the queue and be flushed.
      const like = (await jobs.publish({ data: 0, name: 'n', location: 'l', context: 'again' }))!;
      const batch = Array.from({ length: n }, (_, i) => ({
        ...like,
        id: randomUUID(),
        data: i,
        json: String(i),
      }));
      expect(await store.write(batch)).toEqual({ deadLettered: [], alreadyWritten: 0 });
      expect(store.copyFallbacks).toBe(0);
      expect(await store.write(batch)).toEqual({ deadLettered: [], alreadyWritten: n });
      expect(store.copyFallbacks).toBe(1);
      expect(await countRows(store)).toBe(n);
    },
  );

  it('a record a connector cannot take is dead-lettered under its name; the rest reach it', async () => {
    const poison = new Set<string>();
    const received: string[] = [];
    const picky = {
      name: 'picky',
      async write(records: readonly MetadataRecord[]) {
        if (records.some((r) => poison.has(r.location))) throw new Error('picky cannot take it');
        received.push(...records.map((r) => r.id));
      },
    };
    app = await bootMetaqueue({
      topics: ['jobs'],
      store: db.store,
      connectors: [picky],
      broker: { maxBatchSize: 500, retryInitialDelayMs: 1, retryMaxDelayMs: 2 },
    });
    const jobs = app.get<MetadataEngine>(getEngineToken('jobs'));
    const broker = app.get(BrokerService);
    const store = app.get(MetadataStore);
    poison.add('unwritable');
    const published = await Promise.all(
      Array.from({ length: 1_000 }, (_, i) =>
        jobs.publish({
          data: i,
          name: 'n',
          location: i % 300 === 7 ? 'unwritable' : 'fine',
          context: 'c',
        }),
      ),
    );
    await broker.flush();
    const refusedIds = published.filter((r) => r!.location === 'unwritable').map((r) => r!.id);
    expect(refusedIds).toHaveLength(4);
    expect(await countRows(store)).toBe(1_000);
    expect(received.sort()).toEqual(
      published
        .filter((r) => r!.location === 'fine')
        .map((r) => r!.id)
        .sort(),
    );
    const dead: { id: string; sink: string; reason: string }[] = await store.dataSource.query(
      'SELECT id, sink, reason FROM metadata_dead_letter ORDER BY id',
    );
    expect(dead.map((d) => d.id)).toEqual([...refusedIds].sort());
    expect(new Set(dead.map((d) => d.sink))).toEqual(new Set(['picky']));
    expect(dead[0].reason).toContain('picky cannot take it');
    expect(broker.counters.sinks.picky).toMatchObject({ written: 996, deadLettered: 4 });
    expect(broker.counters.sinks.store).toMatchObject({ written: 1_000, deadLettered: 0 });
  });

  it('at shutdown stores everything accepted, then rejects publishes with a clear error', async () => {
    const { jobs, checks } = await boot({ flushIntervalMs: 3_600_000 });
    await Promise.all(
      Array.from({ length: 3_000 }, (_, i) =>
        (i % 2 ? jobs : checks).publish({ data: i, name: 'n', location: 'l', context: 'c' }),
      ),
    );
    await app!.close();
    app = undefined;
    await expect(
      jobs.publish({ data: 1, name: 'n', location: 'l', context: 'late' }),
    ).rejects.toThrow(new EngineClosedError('jobs'));
    expect(jobs.counters.rejected.closed).toBe(1);
    const [{ count }] = await db.query<{ count: number }>(
      'SELECT count(*)::int AS count FROM metadata',
    );
    expect(count).toBe(3_000);
  });
});

function text(values: string[]): string {
  return values.join(' | ');
}

async function countRows(store: MetadataStore): Promise<number> {
  const [{ count }] = await store.dataSource.query('SELECT count(*)::int AS count FROM metadata');
  return count as number;
}
