import { Test, type TestingModule } from '@nestjs/testing';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BrokerService,
  getEngineToken,
  MetadataStore,
  MetaqueueMetrics,
  MetaqueueModule,
  OpenMetricsFileConnector,
  type MetadataEngine,
  type OpenMetricsFileOptions,
  type OpenMetricsMergeRule,
} from '../../src/lib/index.js';
import {
  describeWithOpenMetricsTools,
  parseOpenMetrics,
  promtoolImport,
} from '../support/openmetrics-tools.js';
import { createTestDatabase, type TestDatabase } from '../harness/test-database.js';
import { tempDirPerTest } from '../support/temp-dir.js';

/** The rule, on the values of one series and millisecond in the order they were published. */
const byRule: Record<OpenMetricsMergeRule, (values: number[]) => number> = {
  last: (values) => values[values.length - 1],
  sum: (values) => values.reduce((a, b) => a + b),
  max: (values) => Math.max(...values),
};

/** Sample lines in a file: the strict parser keeps the first of two in one series and timestamp, so count them raw. */
const sampleLines = (path: string) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'));

describeWithOpenMetricsTools('OpenMetrics file in series (the default)', () => {
  const tempDir = tempDirPerTest('om-series');
  let dir: string;
  let db: TestDatabase;
  beforeEach(async () => {
    dir = tempDir();
    db = await createTestDatabase();
  });
  afterEach(() => db.drop());

  /** Boots an app with the file, publishes `count` records one after another (many share a millisecond). */
  const run = async (options: Omit<OpenMetricsFileOptions, 'path'>, count = 1_200) => {
    const path = join(dir, 'log.txt');
    const file = new OpenMetricsFileConnector({ path, ...options });
    const app = await Test.createTestingModule({
      imports: [
        MetaqueueModule.forRoot({
          topics: ['jobs', 'checks'],
          store: db.store,
          connectors: [file],
        }),
      ],
    }).compile();
    app.useLogger(false);
    await app.init();
    try {
      return { path, file, ...(await publishAndRead(app, count)) };
    } finally {
      await app.close();
    }
  };

  const publishAndRead = async (app: TestingModule, count: number) => {
    const engines = ['jobs', 'checks'].map((t) => app.get<MetadataEngine>(getEngineToken(t)));
    const order: string[] = [];
    for (let i = 0; i < count; i++) {
      // Quarters add up exactly in any order; every 13th record is not a number.
      const data = i % 13 === 0 ? `status ${i % 3}` : ((i * 7919) % 101) / 4 - 10;
      const record = await engines[i % 2].publish({
        data,
        name: `rows_${i % 3}`,
        location: `db${i % 2 === 0 ? i % 4 : 9}`,
        context: `chunk ${i}`,
      });
      order.push(record!.id);
      // Batches of their own, so a small file rotates between them.
      if (i % 200 === 199) await app.get(BrokerService).flush();
    }
    await app.get(BrokerService).flush();
    const metrics = await app.get(MetaqueueMetrics).registry.metrics();
    const rows = await app
      .get(MetadataStore)
      .dataSource.query<
        { id: string; name: string; topic: string; location: string; data: unknown; at: Date }[]
      >('SELECT id, name, topic, location, data, published_at AS at FROM metadata');
    return { order, rows, metrics };
  };

  /** What the table says each series holds, by rule: series and millisecond to value. */
  const expectedFrom = (
    rows: Awaited<ReturnType<typeof run>>['rows'],
    order: string[],
    rule: OpenMetricsMergeRule,
  ) => {
    const byId = new Map(rows.map((r) => [r.id, r]));
    const values = new Map<string, number[]>();
    for (const id of order) {
      const r = byId.get(id)!;
      if (typeof r.data !== 'number') continue;
      const key = `${r.name}|${r.topic}|${r.location}|${new Date(r.at).getTime()}`;
      values.set(key, [...(values.get(key) ?? []), r.data]);
    }
    return new Map([...values].map(([key, v]) => [key, byRule[rule](v)]));
  };

  it.each(['last', 'sum', 'max'] as const)(
    'holds one sample per series and millisecond, merged by %s: the strict parser agrees with the table on every value, promtool imports it',
    async (merge) => {
      const { path, file, order, rows } = await run({ merge });
      expect(rows).toHaveLength(order.length);
      const expected = expectedFrom(rows, order, merge);
      const samples = parseOpenMetrics(path);
      expect(sampleLines(path)).toHaveLength(expected.size);
      expect(samples).toHaveLength(expected.size);
      for (const s of samples) {
        expect(Object.keys(s.labels).sort()).toEqual(['location', 'topic']);
        const ms = s.sec * 1000 + Math.round(s.nsec / 1e6);
        const key = `${s.name}|${s.labels.topic}|${s.labels.location}|${ms}`;
        expect([key, s.value]).toEqual([key, expected.get(key)]);
      }
      const numeric = rows.filter((r) => typeof r.data === 'number').length;
      const { samplesMerged, recordsNotWritten } = file.stats();
      expect(samplesMerged).toBeGreaterThan(0);
      expect({ samplesMerged, recordsNotWritten }).toEqual({
        samplesMerged: numeric - expected.size,
        recordsNotWritten: rows.length - numeric,
      });
      expect(promtoolImport(path)).toBe(expected.size);
      // A handful of series, however many records: families × topics × locations.
      expect(new Set(samples.map((s) => JSON.stringify([s.name, s.labels]))).size).toBeLessThan(20);
    },
  );

  it('labels series with context and id only when asked', async () => {
    const { path, order } = await run({ labels: ['topic', 'context', 'id'] }, 100);
    const samples = parseOpenMetrics(path);
    for (const s of samples)
      expect(Object.keys(s.labels).sort()).toEqual(['context', 'id', 'topic']);
    // Every numeric record a series of its own again.
    expect(samples).toHaveLength(order.length - Math.ceil(100 / 13));
    expect(promtoolImport(path)).toBe(samples.length);
  });

  it('counts merged samples in /metrics as files are joined, and every rotated file imports', async () => {
    const { path, file, metrics } = await run({ maxFileBytes: 10_000 }, 2_000);
    const rotated = readdirSync(dir).filter((f) => /^log\.txt\.\d+$/.test(f));
    expect(rotated.length).toBeGreaterThan(1);
    const sink = `OpenMetricsFileConnector(${path})`;
    const counted = (name: string) =>
      Number(
        new RegExp(`^${name}\\{sink="${sink.replace(/[()]/g, '\\$&')}"\\} (\\d+)`, 'm').exec(
          metrics,
        )?.[1],
      );
    // Scraped before close: the rotations so far, never more than the total.
    expect(counted('metaqueue_file_samples_merged_total')).toBeGreaterThan(0);
    expect(counted('metaqueue_file_samples_merged_total')).toBeLessThanOrEqual(
      file.stats().samplesMerged,
    );
    expect(counted('metaqueue_file_records_not_written_total')).toBe(Math.ceil(2_000 / 13));
    for (const f of [...rotated, 'log.txt']) {
      const lines = sampleLines(join(dir, f)).length;
      expect(promtoolImport(join(dir, f))).toBe(lines);
    }
  });
});
