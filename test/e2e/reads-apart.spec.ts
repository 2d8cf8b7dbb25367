import { jest } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MetadataStore } from '../../src/lib/index.js';
import { readApplicationName } from '../../src/lib/store/reads/server-reads.js';
import { describeOnServer } from '../support/describe-on-server.js';
import { until } from '../support/until.js';
import {
  bootReadsApp,
  heavyPagePath,
  heavyRowsSql,
  heavySeriesPath,
  runningHeavyReadsSql,
  type ReadsApp,
} from '../harness/heavy-reads.js';
import {
  createTestDatabase,
  pgliteDataDirOfOwn,
  type TestDatabase,
} from '../harness/test-database.js';
import { hangBound } from '../support/hang-bound.js';

// Charts over many rows on PGlite take a minute or more: longer than the default bound.
jest.setTimeout(hangBound(180_000));

/** Starts a request and returns how to abandon it, as a client that goes away does. */
function abandonable(url: string) {
  const controller = new AbortController();
  const response = fetch(url, { signal: controller.signal }).then(
    (r) => r.status,
    () => 'abandoned',
  );
  return { response, abandon: () => controller.abort() };
}

describeOnServer('reads apart from writes, on PostgreSQL', () => {
  let db: TestDatabase;
  // The store's pool is as small as the read pool: two heavy reads would fill a shared one.
  let reads: ReadsApp;
  let quick: ReadsApp;
  const running = async () =>
    (await db.query<{ running: number }>(runningHeavyReadsSql))[0].running;
  const stored = async (ids: string[]) =>
    (
      await db.query<{ n: number }>('SELECT count(*)::int AS n FROM metadata WHERE id = ANY($1)', [
        ids,
      ])
    )[0].n;

  beforeAll(async () => {
    db = await createTestDatabase();
    reads = await bootReadsApp({ ...db.store, poolSize: 2 }, { reads: { poolSize: 2 } });
    quick = await bootReadsApp(db.store, { reads: { statementTimeoutMs: 300 } });
    // Tens of seconds of containment checks for each chart over them.
    await db.query(heavyRowsSql(600));
  });
  afterAll(async () => {
    await reads?.app.close();
    await quick?.app.close();
    await db?.drop();
  });
  afterEach(() => until(async () => (await running()) === 0, 30_000));

  it('cancels a read on the server when its client goes away', async () => {
    const requests = Array.from({ length: 4 }, () => abandonable(`${reads.url}${heavySeriesPath}`));
    await until(async () => (await running()) >= 2);
    for (const request of requests) request.abandon();
    // Left to run, each would take tens of seconds more.
    await until(async () => (await running()) === 0, 5_000);
    expect(await Promise.all(requests.map((r) => r.response))).toEqual(
      requests.map(() => 'abandoned'),
    );
  });

  it('keeps writing while heavy reads hold every read connection', async () => {
    const requests = Array.from({ length: 2 }, () => abandonable(`${reads.url}${heavySeriesPath}`));
    const answered = requests.map(() => false);
    requests.forEach((request, i) => void request.response.then(() => (answered[i] = true)));
    try {
      await until(async () => (await running()) >= 2);
      const ids = await reads.publish(100);
      await reads.broker.flush();
      expect(await stored(ids)).toBe(100);
      // The flush never waited for the reads: they were still running, none answered.
      expect({ answered, running: await running() }).toEqual({
        answered: [false, false],
        running: 2,
      });
    } finally {
      for (const request of requests) request.abandon();
    }
  });

  it('refuses a read that outlasts the statement timeout with a 503 that says so', async () => {
    for (const [read, path] of Object.entries({ chart: heavySeriesPath, page: heavyPagePath })) {
      const response = await fetch(`${quick.url}${path}`);
      const body = (await response.json()) as { message: string };
      expect({ read, status: response.status }).toEqual({ read, status: 503 });
      expect(body.message).toMatch(/ran longer than 300 ms \(reads.statementTimeoutMs\)/);
    }
  });

  it('reads a page no faster than its client, and lets go of a client that stops reading', async () => {
    const bigData = JSON.stringify({ text: 'x'.repeat(3_500) });
    await db.query(
      `INSERT INTO metadata (id, topic, name, location, context, data, published_at)
       SELECT gen_random_uuid(), 'big', 'big_rows', 'l', 'c', $1::jsonb, now() - i * interval '1 ms'
       FROM generate_series(1, 1000) i`,
      [bigData],
    );
    const pageBytes = 1_000 * bigData.length;
    const inTransaction = async () =>
      (
        await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
           WHERE application_name = $1 AND state = 'idle in transaction'`,
          [readApplicationName],
        )
      )[0].n;
    const dir = mkdtempSync(join(tmpdir(), 'metaqueue-reads-'));
    const stalling = await bootReadsApp(db.store, {
      reads: { stalledClientTimeoutMs: 500 },
      socketPath: join(dir, 'http.sock'),
    });
    const socket = net.connect(stalling.url);
    try {
      let received = 0;
      const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
      socket.on('error', () => undefined);
      socket.write(`GET /metadata?name=big_rows&limit=1000 HTTP/1.1\r\nHost: test\r\n\r\n`);
      // Never read: a client that asked for 3.5 MB and stopped.
      socket.pause();
      // The page is read from a cursor that waits for the client, holding only a batch.
      await until(async () => (await inTransaction()) === 1);
      // Then the stalled client is cut, and the cursor's connection released.
      await until(async () => (await inTransaction()) === 0, 10_000);
      socket.on('data', (chunk: Buffer) => (received += chunk.length));
      socket.resume();
      await closed;
      expect(received).toBeLessThan(pageBytes / 2);
    } finally {
      socket.destroy();
      await stalling.app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('reads apart from writes, on PGlite', () => {
  it('bounds a read by the read timeout, refusing it with a 503, and keeps writing', async () => {
    const dataDir = pgliteDataDirOfOwn();
    const app = await bootReadsApp(
      { pglite: { dataDir } },
      { reads: { statementTimeoutMs: 1_000 } },
    );
    try {
      // Seconds of containment checks per chart on PGlite.
      await app.app.get(MetadataStore).dataSource.query(heavyRowsSql(150));
      const responses = Array.from({ length: 3 }, () => fetch(`${app.url}${heavySeriesPath}`));
      const ids = await app.publish(100);
      await app.broker.flush();
      const [{ n }] = await app.app
        .get(MetadataStore)
        .dataSource.query<{ n: number }[]>(
          'SELECT count(*)::int AS n FROM metadata WHERE id = ANY($1)',
          [ids],
        );
      expect(n).toBe(100);
      for (const response of await Promise.all(responses)) {
        expect(response.status).toBe(503);
        expect(((await response.json()) as { message: string }).message).toMatch(
          /ran longer than 1000 ms/,
        );
      }
    } finally {
      await app.app.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
