import { Logger } from '@nestjs/common';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MetadataStore, type MetadataRecord } from '../../src/lib/index.js';
import { runCli } from '../harness/cli.js';
import { createTestDatabase, serverUrl, type TestDatabase } from '../harness/test-database.js';
import {
  describeWithOpenMetricsTools,
  parseOpenMetrics,
  promtoolImport,
  recordOf,
} from '../support/openmetrics-tools.js';

const backend = serverUrl ? 'PostgreSQL' : 'PGlite';

/** A record published `minute` minutes into 2026-03-01, with numeric or other data. */
function recordAt(minute: number, data: unknown): MetadataRecord {
  return {
    id: crypto.randomUUID(),
    topic: minute % 2 ? 'imports' : 'checks',
    name: typeof data === 'number' ? 'import_rows' : 'service_status',
    location: 'db "main"',
    context: `minute ${minute}`,
    data,
    json: JSON.stringify(data),
    publishedAt: new Date(Date.UTC(2026, 2, 1, 0, minute, 0, 250)),
  };
}

describeWithOpenMetricsTools(`metaqueue export openmetrics, the store on ${backend}`, () => {
  let db: TestDatabase;
  let source: string[];
  let dir: string;
  // 00:00 to 00:09, and a second record in 00:04's series and millisecond; the range asked for is [00:02, 00:07).
  const seeded = [
    ...Array.from({ length: 10 }, (_, minute) =>
      recordAt(minute, minute % 3 === 0 ? { status: 'ok', minute } : minute * 10),
    ),
    recordAt(4, 7),
  ];
  const inRange = seeded.filter(
    (r) => r.publishedAt.getUTCMinutes() >= 2 && r.publishedAt.getUTCMinutes() < 7,
  );
  const range = ['--from', '2026-03-01T00:02:00Z', '--to', '2026-03-01T00:07:00Z'];

  beforeAll(async () => {
    Logger.overrideLogger(false);
    dir = mkdtempSync(join(tmpdir(), 'metaqueue-cli-export-'));
    db = await createTestDatabase({ reopen: true });
    source = serverUrl
      ? ['--database-url', db.store.url!]
      : ['--pglite-dir', db.store.pglite!.dataDir!];
    const store = await MetadataStore.open(db.store);
    await store.write(seeded);
    await store.onApplicationShutdown();
  });
  afterAll(async () => {
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes the records of [--from, --to) in series, merged by --merge, as Prometheus tooling reads them back', async () => {
    const out = join(dir, 'series.om');
    const run = await runCli([
      'export',
      'openmetrics',
      ...range,
      '--merge',
      'sum',
      '--out',
      out,
      ...source,
    ]);
    expect([run.code, run.stdout]).toEqual([0, '']);
    expect(run.stderr).toBe(
      `Exported 6 records published from 2026-03-01T00:02:00Z to 2026-03-01T00:07:00Z to ${out} in series: ` +
        '1 merged into a sample of their series and millisecond (--merge sum), 2 not written (data not a number; it stays in the store).\n',
    );
    // The table's numeric records, summed per name, topic, location and millisecond.
    const expected = new Map<string, number>();
    for (const r of inRange.filter((r) => typeof r.data === 'number')) {
      const key = JSON.stringify([r.name, r.topic, r.location, r.publishedAt.getTime()]);
      expected.set(key, (expected.get(key) ?? 0) + (r.data as number));
    }
    const read = new Map(
      parseOpenMetrics(out).map((s) => [
        JSON.stringify([
          s.name,
          s.labels.topic,
          s.labels.location,
          s.sec * 1000 + Math.round(s.nsec / 1e6),
        ]),
        s.value,
      ]),
    );
    expect(read).toEqual(expected);
    expect(
      parseOpenMetrics(out).every((s) => Object.keys(s.labels).sort().join() === 'location,topic'),
    ).toBe(true);
    expect(promtoolImport(out)).toBe(3);
    rmSync(out);
  });

  it('writes one series per record with --samples per-record, read back exactly, to --out or stdout', async () => {
    const out = join(dir, 'backfill.om');
    const toFile = await runCli([
      'export',
      'openmetrics',
      ...range,
      '--samples',
      'per-record',
      '--out',
      out,
      ...source,
    ]);
    expect([toFile.code, toFile.stdout]).toEqual([0, '']);
    expect(toFile.stderr).toBe(
      `Wrote 6 records published from 2026-03-01T00:02:00Z to 2026-03-01T00:07:00Z to ${out}.\n`,
    );
    // The strict parser reads each record back, labels and time to the millisecond.
    const read = parseOpenMetrics(out).map(recordOf);
    const byTime = <T extends { id: string }>(list: T[], at: (r: T) => number) =>
      list.sort((a, b) => at(a) - at(b) || a.id.localeCompare(b.id));
    expect(byTime(read, (r) => r.publishedAt)).toEqual(
      byTime(inRange, (r) => r.publishedAt.getTime()).map((r) => ({
        id: r.id,
        topic: r.topic,
        name: r.name,
        location: r.location,
        context: r.context,
        data: r.data,
        publishedAt: r.publishedAt.getTime(),
      })),
    );
    expect(promtoolImport(out)).toBe(6);
    // Nothing but the file is left beside it: no lock, no spool.
    expect(readdirSync(dir)).toEqual(['backfill.om']);

    // Without --out, the same file on stdout.
    const toStdout = await runCli([
      'export',
      'openmetrics',
      ...range,
      '--samples',
      'per-record',
      ...source,
    ]);
    expect(toStdout.code).toBe(0);
    expect(toStdout.stdout).toBe(readFileSync(out, 'utf8'));
  });

  it('needs --from and --to, each a date, an --out it can write, and known samples and labels', async () => {
    const nowhere = join(dir, 'missing', 'backfill.om');
    const [missing, bad, unwritable, samples, labels] = await Promise.all([
      runCli(['export', 'openmetrics', '--to', '2026-03-02', ...source]),
      runCli(['export', 'openmetrics', '--from', 'yesterday', '--to', '2026-03-02', ...source]),
      runCli([
        'export',
        'openmetrics',
        ...['--from', '2026-03-01', '--to', '2026-03-02', '--out', nowhere],
        ...source,
      ]),
      runCli(['export', 'openmetrics', ...range, '--samples', 'all', ...source]),
      runCli(['export', 'openmetrics', ...range, '--labels', 'topic,host', ...source]),
    ]);
    const seeHelp = 'Run "metaqueue export openmetrics --help" for its options.\n';
    expect([samples.code, samples.stderr]).toEqual([
      2,
      `metaqueue: option '--samples <mode>' argument 'all' is invalid. Allowed choices are series, per-record.\n${seeHelp}`,
    ]);
    expect([labels.code, labels.stderr]).toEqual([
      2,
      `metaqueue: option '--labels <labels>' argument 'topic,host' is invalid. "topic,host" is not a list of labels: give distinct ones of topic, location, context, id, separated by commas.\n${seeHelp}`,
    ]);
    expect([unwritable.code, unwritable.stdout]).toEqual([2, '']);
    expect(unwritable.stderr).toMatch(
      new RegExp(`^metaqueue: Cannot write ${nowhere}: ENOENT: .*Give --out a file in a directory`),
    );
    expect([missing.code, missing.stderr]).toEqual([
      2,
      `metaqueue: required option '--from <instant>' not specified\nRun "metaqueue export openmetrics --help" for its options.\n`,
    ]);
    expect([bad.code, bad.stderr]).toEqual([
      2,
      'metaqueue: --from="yesterday" is not a date: use ISO 8601, such as 2026-11-29 or 2026-11-29T09:14:22.040Z (a time needs Z or an offset).\n',
    ]);
  });
});
