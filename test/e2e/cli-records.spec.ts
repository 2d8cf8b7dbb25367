import { Logger, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  MetadataController,
  MetadataStore,
  MetaqueueModule,
  type MetadataRecord,
  type StoredMetadata,
} from '../../src/lib/index.js';
import { runCli } from '../harness/cli.js';
import { freePort } from '../harness/redis-server.js';
import { createTestDatabase, serverUrl, type TestDatabase } from '../harness/test-database.js';

const backend = serverUrl ? 'PostgreSQL' : 'PGlite';

/** Five records a second apart, on two topics: `at(1)` is the oldest. */
function fiveRecords(): MetadataRecord[] {
  const record = (second: number, topic: string, data: unknown): MetadataRecord => ({
    id: crypto.randomUUID(),
    topic,
    name: topic === 'imports' ? 'import_rows' : 'service_status',
    location: 'here',
    context: `record ${second}`,
    data,
    json: JSON.stringify(data),
    publishedAt: new Date(`2026-03-01T00:00:0${second}Z`),
  });
  return [
    record(1, 'imports', 5),
    record(2, 'imports', 7),
    record(3, 'checks', 'ok'),
    record(4, 'imports', { table: 'customers' }),
    record(5, 'checks', 'degraded'),
  ];
}

const idsOf = (stdout: string) =>
  (JSON.parse(stdout) as { items: StoredMetadata[] }).items.map((item) => item.id);

describe(`metaqueue records, the store on ${backend}`, () => {
  let db: TestDatabase;
  let source: string[];
  let seeded: MetadataRecord[];

  beforeAll(async () => {
    Logger.overrideLogger(false);
    db = await createTestDatabase({ reopen: true });
    source = serverUrl
      ? ['--database-url', db.store.url!]
      : ['--pglite-dir', db.store.pglite!.dataDir!];
    const store = await MetadataStore.open(db.store);
    seeded = fiveRecords();
    await store.write(seeded);
    // Closed before the CLI runs: an embedded directory has one process at a time.
    await store.onApplicationShutdown();
  });
  afterAll(() => db.drop());

  it('lists the records newest first, filtered, as JSON and as a table', async () => {
    // One after the other: the second would find the embedded store open in the first.
    const all = await runCli(['records', '--json', '--limit', '3', ...source]);
    const imports = await runCli([
      'records',
      '--topic',
      'imports',
      '--from',
      '2026-03-01T00:00:02Z',
      ...source,
    ]);
    expect([all.code, all.stderr]).toEqual([0, '']);
    const [r1, r2, r3, r4, r5] = seeded;
    expect(idsOf(all.stdout)).toEqual([r5.id, r4.id, r3.id]);
    expect((JSON.parse(all.stdout) as { nextCursor: unknown }).nextCursor).toEqual(
      expect.any(String),
    );

    expect([imports.code, imports.stderr]).toEqual([0, '']);
    const lines = imports.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^Records in (embedded PGlite at|PostgreSQL at) .*, newest first:$/);
    expect(lines[1]).toMatch(/^PUBLISHED AT +TOPIC +NAME +LOCATION +CONTEXT +DATA$/);
    expect(lines.slice(2, -1)).toEqual([
      expect.stringMatching(
        /^2026-03-01T00:00:04\.000Z +imports +import_rows .*\{"table":"customers"\}$/,
      ),
      expect.stringMatching(/^2026-03-01T00:00:02\.000Z +imports +import_rows +here +record 2 +7$/),
    ]);
    expect(lines.at(-1)).toBe('2 records');
    expect([r1, r2].map((r) => imports.stdout.includes(r.context))).toEqual([false, true]);
  });

  it('refuses a bad date and an unknown filter before opening anything, with exit code 2', async () => {
    // A directory that holds no store: opening it would be refused with another message.
    const nowhere = ['--pglite-dir', join(tmpdir(), 'metaqueue-cli-nowhere')];
    const [date, filter] = await Promise.all([
      runCli(['records', '--from', '2026-02-31', ...nowhere]),
      runCli(['records', '--status', 'ok', ...nowhere]),
    ]);
    expect([date.code, date.stdout]).toEqual([2, '']);
    expect(date.stderr).toBe(
      'metaqueue: --from="2026-02-31" is not a date: use ISO 8601, such as 2026-11-29 or 2026-11-29T09:14:22.040Z (a time needs Z or an offset).\n',
    );
    expect([filter.code, filter.stdout]).toEqual([2, '']);
    expect(filter.stderr).toBe(
      `metaqueue: unknown option '--status'\nRun "metaqueue records --help" for its options.\n`,
    );
  });
});

/** An app serving GET /metadata over its embedded store: it holds the directory. */
describe('metaqueue records, an embedded store a running app holds', () => {
  let dir: string;
  let dataDir: string;
  let app: INestApplication;
  let port: number;
  let seeded: MetadataRecord[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'metaqueue-cli-held-'));
    dataDir = join(dir, 'pglite');
    const moduleRef = await Test.createTestingModule({
      imports: [MetaqueueModule.forRoot({ topics: ['imports'], store: { pglite: { dataDir } } })],
      controllers: [MetadataController],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0);
    port = ((app.getHttpServer() as Server).address() as AddressInfo).port;
    seeded = fiveRecords();
    await app.get(MetadataStore).write(seeded);
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("reads through the app's server, found at PORT or named with --url, and otherwise refuses, naming the directory", async () => {
    const lock = readFileSync(`${dataDir}.lock`, 'utf8');
    const closed = String(await freePort());
    const [found, named, refused] = await Promise.all([
      runCli(['records', '--json', '--pglite-dir', dataDir], { PORT: String(port) }),
      runCli(['records', '--json', '--topic', 'checks', '--url', `http://127.0.0.1:${port}`]),
      runCli(['records', '--json', '--pglite-dir', dataDir], { PORT: closed }),
    ]);
    const newestFirst = seeded.map((r) => r.id).reverse();

    expect(found.code).toBe(0);
    expect(found.stderr).toBe(
      `The embedded store ${dataDir} is open in process ${process.pid}: reading through its server at http://localhost:${port} instead.\n`,
    );
    expect(idsOf(found.stdout)).toEqual(newestFirst);

    expect([named.code, named.stderr]).toEqual([0, '']);
    expect(idsOf(named.stdout)).toEqual([seeded[4].id, seeded[2].id]);

    expect([refused.code, refused.stdout]).toEqual([3, '']);
    expect(refused.stderr).toContain(
      `metaqueue: The embedded store ${dataDir} is open in process ${process.pid} (lock ${dataDir}.lock), and PGlite gives a directory to one process at a time: it was not opened. Nothing answered GET /metadata at http://localhost:${closed}`,
    );
    expect(refused.stderr).toContain('--url http://host:port');
    // Looked at, never taken over.
    expect(readFileSync(`${dataDir}.lock`, 'utf8')).toBe(lock);
  });
});
