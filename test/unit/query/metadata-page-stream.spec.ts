import { jest } from '@jest/globals';
import { Writable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { PageStream, type PageRow } from '../../../src/lib/query/metadata-page-stream.js';
import type { ReadCursor } from '../../../src/lib/store/reads/metadata-reads.js';

interface Row extends PageRow {
  data: unknown;
}

const row = (i: number, fits = true): Row => ({
  id: `00000000-0000-4000-8000-00000000000${i}`,
  cursorAt: `2026-01-01T00:00:0${i}.000000Z`,
  fits,
  data: { i, text: 'line\nbreak \u2028 "quoted"' },
});

/** A cursor over `rows`, `batch` at a time, that counts what it handed out and whether it closed. */
function cursorOver(rows: Row[], batch: number) {
  const state = { handedOut: 0, closed: false };
  const cursor: ReadCursor<Row> = {
    next: () => {
      const next = rows.slice(state.handedOut, state.handedOut + batch);
      state.handedOut += next.length;
      return Promise.resolve(next);
    },
    close: () => {
      state.closed = true;
      return Promise.resolve();
    },
  };
  return { cursor, state };
}

const item = (r: Row) => ({ id: r.id, data: r.data });

describe('PageStream', () => {
  it.each([
    ['an empty page', [], 10, { items: [], nextCursor: null }],
    [
      'a full page',
      [row(1), row(2)],
      10,
      { items: [item(row(1)), item(row(2))], nextCursor: null },
    ],
    [
      'a page cut at the limit',
      [row(1), row(2), row(3)],
      2,
      { items: [item(row(1)), item(row(2))] },
    ],
    ['a page cut at its bytes', [row(1), row(2, false)], 10, { items: [item(row(1))] }],
  ])('streams the page as JSON, for %s', async (_, rows, limit, expected) => {
    const { cursor, state } = cursorOver(rows, 2);
    const page = JSON.parse(await text(new PageStream(cursor, limit, item, 60_000))) as {
      items: unknown[];
      nextCursor: string | null;
    };
    expect(page.items).toEqual(expected.items);
    expect(page.nextCursor === null).toBe(rows.length <= limit && rows.every((r) => r.fits));
    expect(state.closed).toBe(true);
  });

  it('reads no further than the consumer, and lets go of a consumer that stalls', async () => {
    jest.useFakeTimers();
    try {
      const rows = Array.from({ length: 1_000 }, (_, i) => ({
        ...row(i),
        data: 'x'.repeat(3_000),
      }));
      const { cursor, state } = cursorOver(rows, 10);
      const stream = new PageStream(cursor, 1_000, item, 5_000);
      const errors: Error[] = [];
      stream.on('error', (error) => errors.push(error));
      // A consumer that takes one chunk, then never another: a client that stopped reading.
      const stalled = new Writable({ highWaterMark: 1, write: () => undefined });
      stream.pipe(stalled);
      for (let i = 0; i < 50; i++) await Promise.resolve();
      expect(state.handedOut).toBeLessThanOrEqual(30);
      await jest.advanceTimersByTimeAsync(5_000);
      expect(stream.destroyed).toBe(true);
      expect(errors[0]?.message).toMatch(/read nothing of its response for 5000 ms/);
      expect(state.closed).toBe(true);
    } finally {
      jest.useRealTimers();
    }
  });
});
