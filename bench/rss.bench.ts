import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runChildApp } from '../test/harness/child-app.js';
import { figure, interleave, type Figure } from './report.js';

/**
 * The process's RSS after storing 1,000,000 records end to end (file
 * connector on), against after 100,000: with bounded queues it should not
 * grow with the count. Each run is a fresh process, measured after a full
 * collection with the app still open. On the server, then on PGlite, whose
 * WebAssembly memory is part of the process.
 */
export async function rssFigures(url: string, scale: number, runs: number): Promise<Figure[]> {
  const many = Math.max(50_000, Math.round(1_000_000 * scale));
  const few = Math.round(many / 10);
  const figures: Figure[] = [];
  for (const [backend, server] of [
    ['server', url],
    ['PGlite', undefined],
  ] as const) {
    const dir = mkdtempSync(join(tmpdir(), 'metaqueue-bench-rss-'));
    try {
      const [after, before] = await interleave(
        runs,
        () => rssAfter(many, dir, server),
        () => rssAfter(few, dir, server),
      );
      figures.push(
        figure(
          `${backend} RSS after ${many.toLocaleString('en-US')} records vs after ${few.toLocaleString('en-US')}`,
          'MB',
          after,
          before,
          { atMost: 1.3 },
        ),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return figures;
}

async function rssAfter(records: number, dir: string, url: string | undefined): Promise<number> {
  const out = await runChildApp('bench/rss-app.ts', {
    nodeFlags: ['--expose-gc'],
    args: [String(records), dir, ...(url ? [url] : [])],
    stderr: 'inherit',
    timeoutMs: 30 * 60_000,
  });
  const line = out.split('\n').find((l) => l.startsWith('rss='))!;
  console.log(`  ${records} records, ${url ? 'server' : 'PGlite'}: ${line}`);
  return Number(/^rss=(\d+)/.exec(line)![1]) / 1e6;
}
