import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  describeWithOpenMetricsTools,
  parseOpenMetrics,
  promtoolImport,
} from '../support/openmetrics-tools.js';
import { createTestDatabase, serverUrl } from '../harness/test-database.js';

const root = new URL('../..', import.meta.url).pathname;

/**
 * What `npm start` runs, in a fresh directory: on PGlite, and with DATABASE_URL
 * set on that server too, from one build.
 */
const stores = serverUrl ? ['PGlite', 'PostgreSQL'] : ['PGlite'];
describeWithOpenMetricsTools('the example app (npm start)', () => {
  // `npm start` is `nest start`: build, then run dist/example/main.js.
  beforeAll(() => execFileSync('npx', ['nest', 'build'], { cwd: root, stdio: 'pipe' }));

  it.each(stores)(
    'on %s: prints its summary, exits 0, and leaves log.txt with one sample per numeric row, in two series',
    async (store) => {
      const onServer = store === 'PostgreSQL';
      const dir = mkdtempSync(join(tmpdir(), 'metaqueue-example-'));
      const db = onServer ? await createTestDatabase() : undefined;
      try {
        const run = (script: string, ...args: string[]) =>
          execFileSync(process.execPath, [join(root, 'dist/example', script), ...args], {
            cwd: dir,
            encoding: 'utf8',
            env: { ...process.env, DATABASE_URL: db?.store.url ?? '' },
          });
        const start = () => run('main.js');
        const output = start();
        expect(output).toContain('topic imports: 10 published, 10 accepted, 10 stored');
        expect(output).toContain('topic checks: 3 published, 3 accepted, 3 stored');
        expect(output).toContain('topic reports: 1 published, 1 accepted, 1 stored');
        // One record per task run, on the built-in topic.
        expect(output).toContain('topic metaqueue_task_runs: 3 published, 3 accepted, 3 stored');
        expect(output).toContain(
          onServer
            ? 'stored in PostgreSQL at'
            : `stored in embedded PGlite at ${join(dir, '.metaqueue/pglite')}, table "metadata": 17 records in all`,
        );
        expect(readdirSync(dir).sort()).toEqual(onServer ? ['log.txt'] : ['.metaqueue', 'log.txt']);
        // In series: the 10 numeric import records, each in a millisecond of its own; the
        // 7 statuses, reports and run records hold no number, so the file leaves them out.
        const samples = parseOpenMetrics(join(dir, 'log.txt'));
        expect(samples).toHaveLength(10);
        expect(new Set(samples.map((s) => JSON.stringify([s.name, s.labels]))).size).toBe(2);
        expect(promtoolImport(join(dir, 'log.txt'))).toBe(10);
        if (db) {
          const [{ count }] = await db.query<{ count: number }>(
            'SELECT count(*)::int AS count FROM metadata',
          );
          expect(count).toBe(17);
        }

        // A second run finds the first run's records, and says so.
        const again = start();
        expect(again).toContain('topic imports: 10 published, 10 accepted, 10 stored');
        expect(again).toContain('"metadata": 34 records in all');

        // `npx metaqueue records --topic imports --limit 3`, as the summary says: the built bin.
        const listed = execFileSync(
          process.execPath,
          [join(root, 'bin/metaqueue.js'), 'records', '--topic', 'imports', '--limit', '3'],
          {
            cwd: dir,
            encoding: 'utf8',
            env: { ...process.env, DATABASE_URL: db?.store.url ?? '' },
          },
        );
        const rows = listed.split('\n').filter((line) => / imports /.test(line));
        expect(rows).toHaveLength(3);
        // Newest first: the second run's last import records.
        expect(rows.map((row) => row.slice(0, 24))).toEqual(
          rows
            .map((row) => row.slice(0, 24))
            .sort()
            .reverse(),
        );
        expect(listed).toContain('3 records; the next page: add --cursor ');
      } finally {
        await db?.drop();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
