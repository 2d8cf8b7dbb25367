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
  // 00:00 to 00:09; the range asked for is [00:02, 00:07).
  const seeded = Array.from({ length: 10 }, (_, minute) =>
    recordAt(minute, minute % 3 === 0 ? { status: 'ok', minute } : minute * 10),
  );
  const inRange = seeded.slice(2, 7);

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

  it('writes the records of [--from, --to) as a file that Prometheus tooling reads back exactly', async () => {
    const out = join(dir, 'backfill.om');
    const range = ['--from', '2026-03-01T00:02:00Z', '--to', '2026-03-01T00:07:00Z'];
    const toFile = await runCli(['export', 'openmetrics', ...range, '--out', out, ...source]);
    expect([toFile.code, toFile.stdout]).toEqual([0, '']);
    expect(toFile.stderr).toBe(
      `Wrote 5 records published from 2026-03-01T00:02:00Z to 2026-03-01T00:07:00Z to ${out}.\n`,
    );
    // The strict parser reads each record back, labels and time to the millisecond.
    const read = parseOpenMetrics(out).map(recordOf);
    expect(read.sort((a, b) => a.publishedAt - b.publishedAt)).toEqual(
      inRange.map((r) => ({
        id: r.id,
        topic: r.topic,
        name: r.name,
        location: r.location,
        context: r.context,
        data: r.data,
        publishedAt: r.publishedAt.getTime(),
      })),
    );
    expect(promtoolImport(out)).toBe(5);
    // Nothing but the file is left beside it: no lock, no spool.
    expect(readdirSync(dir)).toEqual(['backfill.om']);

    // Without --out, the same file on stdout.
    const toStdout = await runCli(['export', 'openmetrics', ...range, ...source]);
    expect(toStdout.code).toBe(0);
    expect(toStdout.stdout).toBe(readFileSync(out, 'utf8'));
  });

  it('needs --from and --to, each a date, and an --out it can write', async () => {
    const nowhere = join(dir, 'missing', 'backfill.om');
    const [missing, bad, unwritable] = await Promise.all([
      runCli(['export', 'openmetrics', '--to', '2026-03-02', ...source]),
      runCli(['export', 'openmetrics', '--from', 'yesterday', '--to', '2026-03-02', ...source]),
      runCli([
        'export',
        'openmetrics',
        ...['--from', '2026-03-01', '--to', '2026-03-02', '--out', nowhere],
        ...source,
      ]),
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
