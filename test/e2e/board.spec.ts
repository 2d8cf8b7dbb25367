import { ForbiddenException, UnauthorizedException, type CanActivate } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Test } from '@nestjs/testing';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  MetadataController,
  MetadataStore,
  MetaqueueBoardModule,
  MetaqueueConfigError,
  MetaqueueModule,
} from '../../src/lib/index.js';
import type { BoardOverview, BoardSeries, MetadataPreviewPage } from '../../src/lib/index.js';
import { boardSecurityHeaders } from '../../src/lib/board/board-security-headers.js';
import { bootBoardApp, hostile, type BoardApp } from '../support/board-app.js';
import { createTestDatabase, serverUrl, type TestDatabase } from '../harness/test-database.js';

const backend = serverUrl ? 'PostgreSQL' : 'PGlite';

describe(`the board's HTTP endpoints, store on ${backend}`, () => {
  let db: TestDatabase;
  let board: BoardApp;
  const get = (path: string, init?: RequestInit) => fetch(`${board.url}/board${path}`, init);
  const json = async <T>(path: string): Promise<T> => {
    const response = await get(path);
    expect(response.status).toBe(200);
    return (await response.json()) as T;
  };
  const status = async (path: string) => (await get(path)).status;

  // One app for the file: the tests only read, except the rows the chart test adds first.
  beforeAll(async () => {
    db = await createTestDatabase();
    board = await bootBoardApp(db.store);
  });
  afterAll(async () => {
    await board?.app.close();
    await db?.drop();
  });

  it('serves the page with a Content-Security-Policy that allows only its own files', async () => {
    const response = await get('');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = response.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await response.text();
    expect(html).toContain('src="/board/assets/board.js"');
    expect(html).toContain('src="/board/assets/uPlot.iife.min.js"');
    // No inline script: the CSP would refuse it.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/https?:\/\//);
  });

  it('serves uPlot from the installed package and refuses any other file', async () => {
    const response = await get('/assets/uPlot.iife.min.js');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/javascript/);
    const installed = createRequire(import.meta.url).resolve('uplot/dist/uPlot.iife.min.js');
    expect(await response.text()).toBe(readFileSync(installed, 'utf8'));
    expect(await status('/assets/board.css')).toBe(200);
    expect(await status('/assets/index.html')).toBe(404);
    expect(await status('/assets/..%2F..%2F..%2Fpackage.json')).toBe(404);
  });

  it('overview: every topic with its queue and counters, every sink, health', async () => {
    const overview = await json<BoardOverview>('/api/overview');
    expect(overview.topics.map((t) => t.topic)).toEqual([
      'imports',
      'checks',
      'reports',
      'metaqueue_task_runs',
    ]);
    const imports = overview.topics[0];
    expect(imports).toMatchObject({ depth: 0, capacity: 10_000, published: 60, accepted: 60 });
    expect(imports.dropped).toEqual({ 'drop-newest': 0, 'drop-oldest': 0 });
    expect(overview.sinks).toEqual([expect.objectContaining({ name: 'store', written: 64 })]);
    expect(overview.health).toEqual({ status: 'up' });
    expect(Date.parse(overview.lastFlushAt!)).not.toBeNaN();
  });

  it('records: newest first, filters narrow, data containment, detail by id', async () => {
    const all = await json<MetadataPreviewPage>('/api/records?limit=100');
    expect(all.items.map((r) => r.id).sort()).toEqual(board.published.map((r) => r.id).sort());
    const times = all.items.map((r) => Date.parse(r.publishedAt as unknown as string));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(all.nextCursor).toBeNull();

    const orders = await json<MetadataPreviewPage>('/api/records?location=orders&limit=7');
    expect(orders.items).toHaveLength(7);
    expect(orders.items.every((r) => r.location === 'orders')).toBe(true);
    const rest = await json<MetadataPreviewPage>(
      `/api/records?location=orders&limit=100&cursor=${orders.nextCursor}`,
    );
    expect(orders.items.length + rest.items.length).toBe(20);

    const hostileRows = await json<MetadataPreviewPage>(
      `/api/records?location=${encodeURIComponent(hostile.location)}`,
    );
    expect(hostileRows.items.map((r) => r.location)).toEqual([hostile.location]);

    const contains = encodeURIComponent(
      JSON.stringify({ author: { name: 'Zoë' }, table: 'orders' }),
    );
    const reports = await json<MetadataPreviewPage>(`/api/records?data=${contains}`);
    expect(reports.items.map((r) => r.location)).toEqual(['s3://reports/orders.pdf']);
    expect(JSON.parse(reports.items[0].dataPreview)).toEqual({
      table: 'orders',
      pages: 6,
      author: { name: 'Zoë' },
    });

    const detail = await json<{ data: unknown }>(`/api/records/${reports.items[0].id}`);
    expect(detail.data).toEqual({ table: 'orders', pages: 6, author: { name: 'Zoë' } });
  });

  it.each([
    ['/api/records?data=%7Bnot%20json', /'data' must be JSON/],
    ['/api/records?data=%22%5Cu0000%22', /'data' must be JSON/],
    [`/api/records?data=${'1'.repeat(4_097)}`, /at most 4096/],
    ['/api/records?limit=101', /from 1 to 100/],
    ['/api/records?limit=0', /from 1 to 100/],
    ['/api/records?order=sideways', /'order'/],
    ['/api/records?colour=red', /Unknown query parameter 'colour'/],
    ['/api/records?from=2026-02-31', /'from'/],
    ['/api/records/not-a-uuid', /not a record id/],
    ['/api/series', /'name' is required/],
    ['/api/series?name=import_rows&limit=5', /Unknown query parameter 'limit'/],
    ['/api/series?name=import_rows&field=', /'field'/],
    ['/api/records?data=1e1000000', /'data' holds the number 1e1000000/],
    ['/api/series?name=import_rows&data=%5B1e-1000000%5D', /'data' holds the number 1e-1000000/],
  ])('GET %s is a 400 with the reason, and the security headers', async (path, message) => {
    const response = await get(path);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toMatch(message);
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  it('a record that is not there is a 404', async () => {
    expect(await status('/api/records/5a86e118-f55a-4b86-b8c3-33b2a28624fa')).toBe(404);
  });

  it('cuts data in the table to a preview, so a page stays bounded; the detail has it all', async () => {
    const big = { rows: 'x'.repeat(100_000) };
    const [row] = await board.app.get(MetadataStore).dataSource.query<{ id: string }[]>(
      `INSERT INTO metadata (id, topic, name, location, context, data, published_at)
         VALUES (gen_random_uuid(), 'reports', 'big_report', 'l', 'c', $1::jsonb, now()) RETURNING id`,
      [JSON.stringify(big)],
    );
    const page = await json<MetadataPreviewPage>('/api/records?name=big_report');
    expect(page.items[0]).toMatchObject({ dataTruncated: true });
    expect(page.items[0].dataPreview).toHaveLength(500);
    expect(JSON.stringify(page.items[0]).length).toBeLessThan(2_000);
    expect(await json<{ data: unknown }>(`/api/records/${row.id}`)).toMatchObject({ data: big });
  });

  it('charts a name over time: buckets per location with count, min, avg, max, p50 and p95', async () => {
    // 20,000 rows over one day, 10 an hour... every 4.32 s, values from the row number.
    await board.app.get(MetadataStore).dataSource.query(
      `INSERT INTO metadata (id, topic, name, location, context, data, published_at)
       SELECT gen_random_uuid(), 'imports', 'chart_rows', 'table_' || (i % 3), 'c',
         to_jsonb(i % 1000), '2026-01-01T00:00:00Z'::timestamptz + (i * interval '4320 ms')
       FROM generate_series(0, 19999) AS i`,
    );
    const series = await json<BoardSeries>('/api/series?name=chart_rows');
    expect(series.field).toBeNull();
    expect(series.lines.map((l) => l.location)).toEqual(['table_0', 'table_1', 'table_2']);
    const points = series.lines.flatMap((l) => l.points);
    expect(points.length).toBeLessThanOrEqual(1_000);
    expect(series.truncated).toBe(false);
    expect(points.reduce((n, p) => n + p[1], 0)).toBe(20_000);
    // Each bucket's figures, computed here from the row numbers it holds.
    const from = Date.parse(series.from!);
    for (const [index, line] of series.lines.entries()) {
      for (const [t, count, min, avg, max, p50, p95] of line.points) {
        const rows = Array.from({ length: 20_000 }, (_, i) => i).filter(
          (i) =>
            i % 3 === index &&
            Date.parse('2026-01-01T00:00:00Z') + i * 4320 >= t &&
            Date.parse('2026-01-01T00:00:00Z') + i * 4320 < t + series.bucketMs,
        );
        const values = rows.map((i) => i % 1000);
        expect((t - from) % series.bucketMs).toBe(0);
        expect([count, min, max]).toEqual([
          values.length,
          Math.min(...values),
          Math.max(...values),
        ]);
        expect(avg).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 6);
        expect(p50).toBeCloseTo(percentileCont(values, 0.5), 6);
        expect(p95).toBeCloseTo(percentileCont(values, 0.95), 6);
      }
    }

    // Zoomed into one hour: finer buckets, only that hour's rows.
    const hour = await json<BoardSeries>(
      '/api/series?name=chart_rows&location=table_1&from=2026-01-01T10:00:00Z&to=2026-01-01T11:00:00Z',
    );
    expect(hour.bucketMs).toBe(18_000);
    expect(hour.lines.map((l) => l.location)).toEqual(['table_1']);
    const inHour = Array.from({ length: 20_000 }, (_, i) => i).filter((i) => {
      const ms = i * 4320;
      return i % 3 === 1 && ms >= 10 * 3_600_000 && ms < 11 * 3_600_000;
    }).length;
    expect(hour.lines[0].points.reduce((n, p) => n + p[1], 0)).toBe(inHour);
  });

  it("charts task runs: each task's durations (median, p95) and its failures over time", async () => {
    // Rows shaped as the run recorder writes them (task-runs.spec checks that it does).
    await board.app.get(MetadataStore).dataSource.query(
      `INSERT INTO metadata (id, topic, name, location, context, data, published_at)
       SELECT gen_random_uuid(), 'metaqueue_task_runs', 'metaqueue_task_run',
         CASE WHEN i % 2 = 0 THEN 'ImportTask' ELSE 'ReportTask' END, gen_random_uuid()::text,
         jsonb_build_object('status', CASE WHEN i % 10 = 3 THEN 'failed' ELSE 'succeeded' END,
                            'durationSeconds', (i % 50) / 10.0),
         '2026-02-01T00:00:00Z'::timestamptz + (i * interval '1 minute')
       FROM generate_series(0, 199) AS i`,
    );
    const runs = await json<BoardSeries>('/api/series?name=metaqueue_task_run');
    expect(runs.field).toBe('durationSeconds');
    expect(runs.lines.map((l) => l.location)).toEqual(['ImportTask', 'ReportTask']);
    const from = Date.parse('2026-02-01T00:00:00Z');
    for (const [index, line] of runs.lines.entries()) {
      for (const [t, count, , , , p50, p95] of line.points) {
        const durations = Array.from({ length: 200 }, (_, i) => i)
          .filter(
            (i) =>
              i % 2 === index && from + i * 60_000 >= t && from + i * 60_000 < t + runs.bucketMs,
          )
          .map((i) => (i % 50) / 10);
        expect(count).toBe(durations.length);
        expect(p50).toBeCloseTo(percentileCont(durations, 0.5), 6);
        expect(p95).toBeCloseTo(percentileCont(durations, 0.95), 6);
      }
    }
    const failed = await json<BoardSeries>(
      `/api/series?name=metaqueue_task_run&data=${encodeURIComponent('{"status":"failed"}')}`,
    );
    const failures = failed.lines.flatMap((l) => l.points).reduce((n, p) => n + p[1], 0);
    expect(failures).toBe(20);
  });

  it('keeps a chart of many locations to 1000 points, and says it left some off', async () => {
    // 12 locations × 200 buckets would be 2,400 points.
    await board.app.get(MetadataStore).dataSource.query(
      `INSERT INTO metadata (id, topic, name, location, context, data, published_at)
       SELECT gen_random_uuid(), 'imports', 'wide_rows', 'table_' || lpad((i % 12)::text, 2, '0'),
         'c', to_jsonb(i), '2026-02-01T00:00:00Z'::timestamptz + (i * interval '1 second')
       FROM generate_series(0, 11999) AS i`,
    );
    const series = await json<BoardSeries>('/api/series?name=wide_rows');
    const points = series.lines.flatMap((l) => l.points);
    expect(points).toHaveLength(1_000);
    expect(series.truncated).toBe(true);
    // Whole lines first, in location order: the lines drawn are complete but the last.
    expect(series.lines[0]).toMatchObject({ location: 'table_00' });
    expect(series.lines[0].points.length).toBeGreaterThanOrEqual(199);
  });

  it('charts a numeric key of JSON data, and nothing for data that is not a number', async () => {
    const reports = await json<BoardSeries>('/api/series?name=report_summary');
    expect(reports).toMatchObject({ field: 'pages', fields: ['pages'] });
    expect(reports.lines.map((l) => [l.location, l.points.map((p) => p[3])])).toEqual([
      ['s3://reports/customers.pdf', [9]],
      ['s3://reports/orders.pdf', [6]],
    ]);
    const statuses = await json<BoardSeries>('/api/series?name=service_status');
    expect(statuses).toMatchObject({ field: null, fields: [], lines: [] });
    const missing = await json<BoardSeries>('/api/series?name=no_such_name');
    expect(missing.lines).toEqual([]);
  });

  it('lists the distinct names for the chart', async () => {
    const { names } = await json<{ names: string[] }>('/api/names');
    expect(names).toEqual(
      expect.arrayContaining(['import_rows', 'report_summary', 'service_status']),
    );
    expect([...names].sort()).toEqual(names);
    expect(new Set(names).size).toBe(names.length);
  });

  it('is read-only: no route takes anything but GET', async () => {
    for (const path of ['', '/api/overview', '/api/records', '/api/series', '/api/names']) {
      for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
        expect([path, method, (await get(path, { method })).status]).toEqual([path, method, 404]);
      }
    }
  });
});

describe('MetaqueueBoardModule options', () => {
  it('refuses a path that is not plain, and readOnly other than true', () => {
    for (const path of ['board', '/board"><script>', '//board', '/a b']) {
      expect(() => MetaqueueBoardModule.forRoot({ path })).toThrow(MetaqueueConfigError);
    }
    expect(() => MetaqueueBoardModule.forRoot({ readOnly: false as unknown as true })).toThrow(
      /read-only/,
    );
  });

  it('under a global prefix and without a store: the page loads from where it is, lists no records', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        MetaqueueModule.forRoot({ topics: ['jobs'], store: false }),
        MetaqueueBoardModule.forRoot({ path: '/board' }),
      ],
      controllers: [MetadataController],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    app.setGlobalPrefix('ops');
    await app.listen(0, '127.0.0.1');
    const { port } = (app.getHttpServer() as Server).address() as AddressInfo;
    const get = (path: string) => fetch(`http://127.0.0.1:${port}${path}`);
    try {
      for (const path of [
        '/ops/board',
        '/ops/board/',
        '/ops/board?x="><script>alert(1)</script>',
      ]) {
        const html = await (await get(path)).text();
        expect(html).toContain('src="/ops/board/assets/board.js"');
        expect(html).not.toContain('alert');
      }
      expect((await get('/ops/board/assets/board.js')).status).toBe(200);
      const overview = (await (await get('/ops/board/api/overview')).json()) as BoardOverview;
      expect(overview).toMatchObject({
        store: false,
        topics: [{ topic: 'jobs' }, { topic: 'metaqueue_task_runs' }],
      });
      for (const path of ['/ops/board/api/records', '/ops/board/api/names', '/ops/metadata']) {
        const response = await get(path);
        expect(response.status).toBe(404);
        expect(((await response.json()) as { message: string }).message).toMatch(/store: false/);
      }
    } finally {
      await app.close();
    }
  });

  it("refusals from the guards carry the board's security headers too", async () => {
    const db = await createTestDatabase();
    const deny: CanActivate = {
      canActivate: () => {
        throw new UnauthorizedException();
      },
    };
    for (const adapter of ['express', 'fastify'] as const) {
      const board = await bootBoardApp(db.store, { adapter, board: { guards: [deny] } });
      try {
        for (const path of ['', '/assets/board.js', '/api/overview', '/api/series']) {
          const response = await fetch(`${board.url}/board${path}`);
          expect({ adapter, path, status: response.status }).toEqual({
            adapter,
            path,
            status: 401,
          });
          for (const [name, value] of Object.entries(boardSecurityHeaders)) {
            expect({ adapter, path, [name]: response.headers.get(name) }).toEqual({
              adapter,
              path,
              [name]: value,
            });
          }
        }
      } finally {
        await board.app.close();
      }
    }
    await db.drop();
    // Two apps, each booting its store: PGlite takes its time on a busy machine.
  });

  it('is behind the guards given, page and endpoints alike', async () => {
    const db = await createTestDatabase();
    const deny: CanActivate = {
      canActivate: () => {
        throw new ForbiddenException();
      },
    };
    const board = await bootBoardApp(db.store, { board: { guards: [deny] } });
    try {
      for (const path of ['', '/assets/board.js', '/api/overview', '/api/records']) {
        expect((await fetch(`${board.url}/board${path}`)).status).toBe(403);
      }
    } finally {
      await board.app.close();
      await db.drop();
    }
  });
});

/** The `q` quantile of `values`, interpolated between neighbours as PostgreSQL's percentile_cont. */
function percentileCont(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const at = q * (sorted.length - 1);
  const below = Math.floor(at);
  const above = Math.ceil(at);
  return sorted[below] + (sorted[above] - sorted[below]) * (at - below);
}
