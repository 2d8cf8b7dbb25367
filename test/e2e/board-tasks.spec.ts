import { jest } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import {
  BrokerService,
  MetaTaskScheduler,
  type BoardTaskRuns,
  type BoardTasks,
  type MetadataPreviewPage,
} from '../../src/lib/index.js';
import { createTestDatabase, serverUrl, type TestDatabase } from '../harness/test-database.js';
import { MetadataReads } from '../../src/lib/store/reads/metadata-reads.js';
import { until } from '../support/until.js';
import { bootTasksBoard } from '../support/board-tasks-app.js';

const backend = serverUrl ? 'PostgreSQL' : 'PGlite';

describe.each([backend, 'store: false'])("the board's Tasks JSON, %s", (kind) => {
  let db: TestDatabase | undefined;
  let app: INestApplication;
  let url: string;
  const get = (path: string) => fetch(`${url}${path}`);
  const json = async <T>(path: string): Promise<T> => {
    const response = await get(path);
    expect(response.status).toBe(200);
    return (await response.json()) as T;
  };

  beforeAll(async () => {
    if (kind !== 'store: false') db = await createTestDatabase();
    ({ app, url } = await bootTasksBoard(db?.store ?? false));
    const scheduler = app.get(MetaTaskScheduler);
    // Real runs from the schedules: a dozen of the one, two of the failing other.
    await until(
      () =>
        scheduler.counters['import-orders'].runs >= 12 && scheduler.counters['sync-crm'].runs >= 2,
      20_000,
    );
    await app.get(BrokerService).flush();
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('lists each scheduled task: schedule in words, next tick, last run, watch', async () => {
    const before = Date.now();
    const { runsFrom, tasks } = await json<BoardTasks>('/api/tasks');
    expect(runsFrom).toBe(kind === 'store: false' ? 'local' : 'store');
    expect(tasks.map((t) => t.task).sort()).toEqual(['import-orders', 'sync-crm']);
    const imports = tasks.find((t) => t.task === 'import-orders')!;
    const crm = tasks.find((t) => t.task === 'sync-crm')!;
    expect(imports).toMatchObject({
      schedule: 'every 100 milliseconds',
      every: 100,
      cron: null,
    });
    // The watch's counts (a loaded machine may sleep through a tick of 100 ms: missed).
    const state = app.get(MetaTaskScheduler).watchStates()['import-orders'];
    expect(imports.missed).toBeLessThanOrEqual(state.missedTotal);
    expect(imports.late).toBeLessThanOrEqual(state.lateTotal);
    expect(crm).toMatchObject({
      schedule: 'every second (Europe/Paris)',
      cron: '*/1 * * * * *',
      timeZone: 'Europe/Paris',
    });
    // The next tick is the schedule's: a whole second for the cron, a multiple of 100 ms.
    const next = Date.parse(crm.nextTickAt);
    expect(next % 1_000).toBe(0);
    expect(next).toBeGreaterThan(before - 1_000);
    expect(next).toBeLessThanOrEqual(Date.now() + 1_000);
    expect(Date.parse(imports.nextTickAt) % 100).toBe(0);
    // The last run of each is its latest tick, with its status and duration.
    // (Ticks may come between the two requests: a second each, more on a stalled machine.)
    const latest = await json<BoardTaskRuns>('/api/tasks/sync-crm/runs?limit=10');
    expect(latest.items.map((r) => r.id)).toContain(crm.lastRun?.id);
    const lastCrm = (await json<BoardTaskRuns>('/api/tasks/sync-crm/runs')).items.find(
      (r) => r.status === 'failed',
    )!;
    expect(lastCrm).toMatchObject({ error: 'the CRM answered 503', replica: 'board-r1' });
    expect(lastCrm.durationSeconds).toBeGreaterThanOrEqual(0);
    expect(imports.lastRun?.replica).toBe('board-r1');
  });

  it('lists runs newest first, in bounded pages, and each run opens the records it published', async () => {
    const first = await json<BoardTaskRuns>('/api/tasks/import-orders/runs?limit=5');
    expect(first.runsFrom).toBe(kind === 'store: false' ? 'local' : 'store');
    expect(first.items).toHaveLength(5);
    const ticks = first.items.map((r) => Date.parse(r.scheduledAt));
    expect(ticks).toEqual([...ticks].sort((a, b) => b - a));
    expect(new Set(ticks).size).toBe(5);
    expect(first.nextCursor).toBe(first.items[4].scheduledAt);
    const second = await json<BoardTaskRuns>(
      `/api/tasks/import-orders/runs?limit=5&cursor=${encodeURIComponent(first.nextCursor!)}`,
    );
    expect(second.items).toHaveLength(5);
    expect(Date.parse(second.items[0].scheduledAt)).toBeLessThan(ticks[4]);
    expect(second.items.filter((r) => first.items.some((f) => f.id === r.id))).toEqual([]);
    // Every run, page after page, ends with nextCursor null.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: BoardTaskRuns = await json<BoardTaskRuns>(
        `/api/tasks/import-orders/runs?limit=7${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      seen.push(...page.items.map((r) => r.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBeGreaterThanOrEqual(12);

    const done = first.items.find((r) => r.status === 'succeeded')!;
    expect(done.recordsPublished).toBe(2);
    if (kind === 'store: false') return;
    // The runs go on: what the newest published since beforeAll is stored now.
    await app.get(BrokerService).flush();
    // The records view filtered by the run's id as context: what the run published.
    const records = await json<MetadataPreviewPage>(
      `/api/records?context=${encodeURIComponent(done.id)}`,
    );
    const published = records.items.filter((r) => r.topic === 'jobs');
    expect(published.map((r) => r.dataPreview).sort()).toEqual(['7', '8']);
    // And the run's own run record, on the built-in topic.
    expect(records.items.filter((r) => r.topic === 'metaqueue_task_runs')).toHaveLength(1);
  });

  // With a store only: without one there is no read path, and runs come from the claims.
  if (kind !== 'store: false') {
    it("reads the runs table through the board's read path, apart from the writes", async () => {
      const reads = app.get(MetadataReads, { strict: false });
      const query = jest.spyOn(reads, 'query');
      try {
        await json<BoardTasks>('/api/tasks');
        await json<BoardTaskRuns>('/api/tasks/import-orders/runs');
        const statements = query.mock.calls.map(([sql]) => sql);
        expect(statements).toHaveLength(2);
        for (const sql of statements) expect(sql).toContain('FROM "metaqueue_task_runs"');
      } finally {
        query.mockRestore();
      }
    });
  }

  it('answers 400 for a bad limit, cursor or parameter, and 404 for a task it does not schedule', async () => {
    for (const [query, message] of [
      ['limit=0', /'limit'="0" must be an integer from 1 to 200/],
      ['limit=201', /from 1 to 200/],
      ['limit=abc', /must be an integer/],
      ['cursor=yesterday', /'cursor' is not a cursor this API returned/],
      ['cursor=2026-11-29', /'cursor' is not a cursor/],
      ['order=oldest', /Unknown query parameter 'order'/],
    ] as const) {
      const response = await get(`/api/tasks/import-orders/runs?${query}`);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { message: string }).message).toMatch(message);
    }
    const missing = await get('/api/tasks/nightly/runs');
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { message: string }).message).toBe(
      'There is no scheduled task named "nightly" in this app: GET <board>/api/tasks lists them.',
    );
  });
});
