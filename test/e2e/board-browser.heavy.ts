/// <reference lib="dom" />
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { bootBoardApp, hostile, type Adapter, type BoardApp } from '../support/board-app.js';
import { requirement } from '../support/requirement.js';
import { createTestDatabase, serverUrl, type TestDatabase } from '../harness/test-database.js';
import { hangBound } from '../support/hang-bound.js';
import type { INestApplication } from '@nestjs/common';
import { BrokerService, MetaTaskScheduler } from '../../src/lib/index.js';
import { bootTasksBoard } from '../support/board-tasks-app.js';
import { until } from '../support/until.js';

// Debian's chromium, never a downloaded browser: .ci/run installs the package.
const chromium = '/usr/bin/chromium';
const { describe: describeWithChromium } = requirement(
  'chromium',
  existsSync(chromium),
  'install the Debian package: apt-get install -y chromium',
);
const artifacts = new URL('../artifacts/', import.meta.url).pathname;

/** Debian's chromium, headless, with a page of 1280 × 1000. */
async function openChromium(): Promise<{ browser: Browser; page: Page }> {
  const browser = await puppeteer.launch({
    executablePath: chromium,
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
    headless: true,
    timeout: hangBound(30_000),
  });
  const page = await browser.newPage();
  // Puppeteer's waits fail after 30 s; a loaded machine gets longer (hang-bound.ts).
  page.setDefaultTimeout(hangBound(30_000));
  await page.setViewport({ width: 1280, height: 1000 });
  return { browser, page };
}

// Each adapter on each store: PGlite, and DATABASE_URL's server when one is set.
const stores = serverUrl ? ['PGlite', 'PostgreSQL'] : ['PGlite'];
const cases = (['express', 'fastify'] as Adapter[]).flatMap((adapter) =>
  stores.map((store): [Adapter, string] => [adapter, store]),
);

describeWithChromium.each(cases)('the board in chromium, %s adapter, on %s', (adapter, store) => {
  let db: TestDatabase;
  let board: BoardApp;
  let browser: Browser;
  let page: Page;
  const dialogs: string[] = [];
  const violations: string[] = [];
  const pageErrors: string[] = [];
  const seriesRequests: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase({ embedded: store === 'PGlite' });
    board = await bootBoardApp(db.store, { adapter });
    ({ browser, page } = await openChromium());
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    page.on('request', (request) => {
      if (request.url().includes('/api/series')) seriesRequests.push(request.url());
    });
    // A CSP violation means the page (or uPlot) needs something the policy refuses.
    await page.evaluateOnNewDocument(() => {
      document.addEventListener('securitypolicyviolation', (event) => {
        (window as unknown as { violations: string[] }).violations ??= [];
        (window as unknown as { violations: string[] }).violations.push(
          `${event.violatedDirective} ${event.blockedURI}`,
        );
      });
    });
    await page.goto(`${board.url}/board`, { waitUntil: 'load' });
    await page.waitForSelector('body[data-ready="true"]');
  });

  afterAll(async () => {
    violations.push(
      ...((await page?.evaluate(
        () => (window as unknown as { violations?: string[] }).violations ?? [],
      )) ?? []),
    );
    await browser?.close();
    await board?.app.close();
    await db?.drop();
  });

  const screenshot = async (name: string) => {
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({
      path: join(artifacts, `board-${adapter}-${store}-${name}.png`),
      fullPage: true,
    });
  };
  const cells = (selector: string, column: number) =>
    page.$$eval(
      `${selector} tbody tr`,
      (rows, i) => rows.map((row) => row.cells[i].textContent),
      column,
    );
  const filterRecords = async (fields: Record<string, string>) => {
    for (const [name, value] of Object.entries(fields)) {
      await page.$eval(
        `#records-form [name="${name}"]`,
        (input, v) => ((input as HTMLInputElement).value = v),
        value,
      );
    }
    const before = await page.$eval('#records tbody', (body) => body.textContent);
    await page.click('#records-form button[type="submit"]');
    await page.waitForFunction(
      (text) => document.querySelector('#records tbody')!.textContent !== text,
      {},
      before,
    );
  };

  it('lists every topic in the overview, and every sink', async () => {
    // And the built-in topic of task runs: none ran here.
    expect(await cells('#topics', 0)).toEqual([
      'imports',
      'checks',
      'reports',
      'metaqueue_task_runs',
    ]);
    expect(await cells('#topics', 3)).toEqual(['60', '2', '2', '0']);
    expect(await cells('#sinks', 0)).toEqual(['store']);
    expect(await page.$eval('#health', (e) => e.textContent)).toBe('up');
    await screenshot('overview');
  });

  it('shows the published records, newest first, and a filter narrows them', async () => {
    const ids = await page.$$eval('#records tbody tr', (rows) =>
      rows.map((r) => (r as HTMLElement).dataset.id),
    );
    const newest = [...board.published].sort(
      (a, b) => b.publishedAt.getTime() - a.publishedAt.getTime(),
    );
    expect(ids).toHaveLength(50);
    expect(new Set(ids).size).toBe(50);
    expect(board.published.map((r) => r.id)).toEqual(expect.arrayContaining(ids));
    // The last-published records (reports) are on the first page.
    expect(ids).toEqual(expect.arrayContaining(newest.slice(0, 4).map((r) => r.id)));

    // Keyset pages forward and back.
    const rowIds = () =>
      page.$$eval('#records tbody tr', (rows) => rows.map((r) => (r as HTMLElement).dataset.id));
    const turn = async (button: string) => {
      const before = await rowIds();
      await page.click(button);
      await page.waitForFunction(
        (first) => document.querySelector<HTMLElement>('#records tbody tr')?.dataset.id !== first,
        {},
        before[0],
      );
    };
    await turn('#next-page');
    const second = await rowIds();
    expect(second).toHaveLength(board.published.length - 50);
    expect(second.filter((id) => ids.includes(id))).toEqual([]);
    expect(await page.$eval('#next-page', (b) => (b as HTMLButtonElement).disabled)).toBe(true);
    await turn('#previous-page');
    expect(await rowIds()).toEqual(ids);

    await filterRecords({ location: 'orders' });
    const locations = await cells('#records', 3);
    expect(locations).toHaveLength(board.published.filter((r) => r.location === 'orders').length);
    expect(new Set(locations)).toEqual(new Set(['orders']));

    await filterRecords({ location: '', data: '{"table":"customers"}' });
    expect(await cells('#records', 3)).toEqual(['s3://reports/customers.pdf']);
    await page.click('#records tbody tr');
    await page.waitForSelector('#detail:not([hidden])');
    const detail = await page.$eval('#detail-data', (e) => e.textContent);
    expect(JSON.parse(detail)).toEqual({ table: 'customers', pages: 9, author: { name: 'Zoë' } });
    expect(detail).toContain('\n  "table"');
    await screenshot('records');
  });

  it('shows a hostile location as text, and runs nothing', async () => {
    await filterRecords({ data: '', location: hostile.location });
    expect(await cells('#records', 3)).toEqual([hostile.location]);
    expect(await cells('#records', 4)).toEqual([hostile.context]);
    await page.click('#records tbody tr');
    await page.waitForFunction(
      (location) =>
        [...document.querySelectorAll('#detail-fields dd')].some(
          (dd) => dd.textContent === location,
        ),
      {},
      hostile.location,
    );
    // Only the page's own two scripts, and no element made from a stored string.
    expect(await page.$$eval('script', (s) => s.map((e) => e.getAttribute('src')))).toEqual([
      '/board/assets/uPlot.iife.min.js',
      '/board/assets/board.js',
    ]);
    expect(await page.$$('main img')).toHaveLength(0);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(dialogs).toEqual([]);
    await screenshot('hostile');
  });

  it('draws a chart of import_rows, one line per location', async () => {
    expect(await page.$eval('#chart-name', (s) => (s as HTMLSelectElement).value)).toBe(
      'import_rows',
    );
    const legend = await page.$$eval('#chart .u-legend .u-series .u-label', (labels) =>
      labels.map((l) => l.textContent),
    );
    expect(legend).toEqual(expect.arrayContaining(['customers', 'orders']));
    // Pixels in the first line's colour (#2563eb): the canvas holds a drawn line, not just axes.
    const lineColoured = await page.$eval('#chart canvas', (canvas) => {
      const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
      let n = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (
          Math.abs(data[i] - 0x25) < 40 &&
          Math.abs(data[i + 1] - 0x63) < 40 &&
          Math.abs(data[i + 2] - 0xeb) < 40 &&
          data[i + 3] > 200
        ) {
          n++;
        }
      }
      return n;
    });
    expect(lineColoured).toBeGreaterThan(100);
    await page.$eval('#chart', (e) => e.scrollIntoView());
    await screenshot('chart');
  });

  it('zooms into a dragged range, which the server aggregates again', async () => {
    const before = await page.$eval('#chart-note', (e) => e.textContent);
    const box = (await (await page.$('#chart .u-over'))!.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await page.waitForFunction(
      (text) => document.querySelector('#chart-note')!.textContent !== text,
      {},
      before,
    );
    // The page asked the server for the dragged range, and drew fewer buckets.
    const asked = new URL(seriesRequests.at(-1)!);
    const from = Date.parse(asked.searchParams.get('from')!);
    const to = Date.parse(asked.searchParams.get('to')!);
    const times = board.published
      .filter((r) => r.name === 'import_rows')
      .map((r) => r.publishedAt.getTime());
    expect(from).toBeGreaterThan(Math.min(...times));
    expect(to).toBeLessThan(Math.max(...times));
    const buckets = (note: string | null) => Number(/^(\d+) buckets/.exec(note ?? '')?.[1]);
    const after = await page.$eval('#chart-note', (e) => e.textContent);
    expect(buckets(after)).toBeGreaterThan(0);
    expect(buckets(after)).toBeLessThan(buckets(before));
  });

  it('kept to its Content-Security-Policy, and threw nothing', async () => {
    const current = await page.evaluate(
      () => (window as unknown as { violations?: string[] }).violations ?? [],
    );
    expect(current).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(violations).toEqual([]);
  });
});

// The Tasks view over real scheduled runs. BOARD_DOCS_SCREENSHOT=1 also writes the README's
// docs/board-tasks.png from it.
const docsScreenshot = process.env.BOARD_DOCS_SCREENSHOT === '1';

describeWithChromium.each(stores)('the Tasks view in chromium, on %s', (store) => {
  let db: TestDatabase;
  let board: { app: INestApplication; url: string };
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase({ embedded: store === 'PGlite' });
    board = await bootTasksBoard(db.store);
    const scheduler = board.app.get(MetaTaskScheduler);
    await until(
      () =>
        scheduler.counters['import-orders'].runs >= 20 && scheduler.counters['sync-crm'].runs >= 3,
      30_000,
    );
    await board.app.get(BrokerService).flush();
    ({ browser, page } = await openChromium());
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    await page.goto(board.url, { waitUntil: 'load' });
    await page.waitForSelector('body[data-ready="true"]');
    await page.waitForSelector('#runs tbody tr');
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await board?.app.close();
    await db?.drop();
  });

  const column = (table: string, i: number) =>
    page.$$eval(`${table} tbody tr`, (rows, c) => rows.map((r) => r.cells[c].textContent), i);
  // The task and run tables are redrawn every refresh: found and clicked in one task of the page,
  // as a user's click is (page.click finds the row, scrolls, then clicks: a redraw between detaches it).
  const clickRow = (selector: string) =>
    page.$eval(selector, (row) => (row as HTMLElement).click());

  it('lists each task with its schedule in words, next tick, last run and watch', async () => {
    expect(await page.$eval('#tasks-section', (s) => (s as HTMLElement).hidden)).toBe(false);
    expect(await column('#tasks', 0)).toEqual(['import-orders', 'sync-crm']);
    expect(await column('#tasks', 1)).toEqual([
      'every 100 milliseconds',
      'every second (Europe/Paris)',
    ]);
    expect((await column('#tasks', 3))[1]).toMatch(/^failed at \d{4}-/);
    expect(await page.$eval('#tasks-note', (e) => e.textContent)).toMatch(/^Runs from the store/);
  });

  it("charts the first task's run durations and lists its runs, newest first", async () => {
    expect(await page.$eval('#task-runs-name', (e) => e.textContent)).toBe('import-orders');
    const ticks = (await column('#runs', 0)).map((t) => Date.parse(t));
    expect(ticks.length).toBeGreaterThanOrEqual(20);
    expect(ticks).toEqual([...ticks].sort((a, b) => b - a));
    const legend = await page.$$eval('#task-chart .u-legend .u-series .u-label', (labels) =>
      labels.map((l) => l.textContent),
    );
    expect(legend).toEqual(expect.arrayContaining(['duration', 'failed or lost']));
  });

  it('marks failures in red on the chart of a failing task', async () => {
    await clickRow('#tasks tbody tr[data-task="sync-crm"]');
    await page.waitForFunction(
      () => document.querySelector('#task-runs-name')!.textContent === 'sync-crm',
    );
    // Every run that ended failed; the newest may still be running (it ticks every second and
    // the view may read its claim before its end).
    const statuses = await column('#runs', 1);
    expect(statuses.length).toBeGreaterThanOrEqual(3);
    expect(new Set(statuses.slice(statuses[0] === 'running' ? 1 : 0))).toEqual(new Set(['failed']));
    // Pixels in the failures' colour (#dc2626): the points are drawn.
    await page.waitForFunction(() => {
      const canvas = document.querySelector<HTMLCanvasElement>('#task-chart canvas')!;
      const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
      let n = 0;
      for (let i = 0; i < data.length; i += 4) {
        const red = Math.abs(data[i] - 0xdc) < 40 && data[i + 1] < 80 && data[i + 2] < 80;
        if (red && data[i + 3] > 200) n++;
      }
      return n > 30;
    });
    await clickRow('#tasks tbody tr[data-task="import-orders"]');
    await page.waitForFunction(
      () => document.querySelector('#task-runs-name')!.textContent === 'import-orders',
    );
    await page.waitForSelector('#runs tbody tr');
    mkdirSync(artifacts, { recursive: true });
    const section = (await page.$('#tasks-section'))!;
    await section.screenshot({ path: join(artifacts, `board-tasks-${store}.png`) });
    if (docsScreenshot && store === stores[0]) {
      // The tasks, the chart and the newest runs: the README's picture.
      const box = await section.evaluate((e) => {
        const rect = e.getBoundingClientRect();
        return {
          x: rect.left,
          y: rect.top + window.scrollY,
          width: rect.width,
          height: rect.height,
        };
      });
      await page.screenshot({
        path: new URL('../../docs/board-tasks.png', import.meta.url).pathname,
        clip: { ...box, height: Math.min(box.height, 760) },
        captureBeyondViewport: true,
      });
    }
  });

  it('opens the records a run published: the records view filtered by its id as context', async () => {
    // A run that ended and published (the newest may still run, or be a skipped tick).
    const run = await page.$$eval(
      '#runs tbody tr',
      (rows) => rows.find((r) => r.cells[1].textContent === 'succeeded')!.dataset.run!,
    );
    // The runs go on; the broker here flushes only when asked: store what they published.
    await board.app.get(BrokerService).flush();
    const before = await page.$eval('#records tbody', (body) => body.textContent);
    await clickRow(`#runs tbody tr[data-run="${run}"]`);
    await page.waitForFunction(
      (text) => document.querySelector('#records tbody')!.textContent !== text,
      {},
      before,
    );
    expect(
      await page.$eval('#records-form [name="context"]', (i) => (i as HTMLInputElement).value),
    ).toBe(run);
    expect(new Set(await column('#records', 4))).toEqual(new Set([run]));
    // Its two records on jobs, and its run record.
    expect((await column('#records', 1)).sort()).toEqual(['jobs', 'jobs', 'metaqueue_task_runs']);
    expect(pageErrors).toEqual([]);
  });
});
