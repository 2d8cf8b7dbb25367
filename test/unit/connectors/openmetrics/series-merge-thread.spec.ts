import {
  appendFileSync,
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  renderByFamily,
  SampleRenderer,
} from '../../../../src/lib/connectors/openmetrics/openmetrics-format.js';
import { FamilySeries } from '../../../../src/lib/connectors/openmetrics/series-merge.mjs';
import { SeriesMergeThread } from '../../../../src/lib/connectors/openmetrics/series-merge-thread.js';
import { SeriesNumbers } from '../../../../src/lib/connectors/openmetrics/series-numbers.js';
import type { MetadataRecord } from '../../../../src/lib/index.js';

describe('SeriesMergeThread', () => {
  let dir: string;
  let thread: SeriesMergeThread;
  const merge = { rule: 'sum', keepId: false } as const;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'metaqueue-merge-thread-'));
    thread = new SeriesMergeThread(merge);
  });
  afterEach(async () => {
    await thread.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Spooled lines `from` to `to` over 3 series, two to a millisecond; the TYPE line with the first. */
  const lines = (from: number, to: number) => {
    const out = from === 0 ? ['# TYPE rows gauge\n'] : [];
    for (let i = from; i < to; i++) {
      const id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
      out.push(`rows{id="${id}",topic="t${i % 3}"} ${i} ${1764412345 + Math.floor(i / 6)}.000\n`);
    }
    return out.join('');
  };

  /** `text` in a buffer of its own, as the spool hands its batches over (never Node's shared pool). */
  const ownBytes = (text: string) => {
    const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(text));
    bytes.write(text);
    return bytes;
  };

  /** The same lines, each value's digits all 9s: other values, the same size. */
  const sameSizeOther = (text: string) =>
    text.replace(/ (\d+) 17/g, (_, digits: string) => ` ${'9'.repeat(digits.length)} 17`);

  /** What FamilySeries gives on this thread for the file's text. */
  const mergedHere = (text: string) => {
    const chunks: Buffer[] = [];
    const merged = new FamilySeries(merge)
      .add(Buffer.from(text))
      .render((c) => chunks.push(Buffer.from(c)));
    return { text: Buffer.concat(chunks).toString('utf8'), merged };
  };

  /** Joins `file` through the thread into a file of its own, after `before`, and reads it back. */
  const mergedThere = async (file: string) => {
    const out = join(dir, 'out');
    writeFileSync(out, 'before\n');
    const fd = openSync(out, 'a');
    try {
      const merged = await thread.mergeInto(file, fd);
      return { text: readFileSync(out, 'utf8'), merged };
    } finally {
      closeSync(fd);
    }
  };

  it('writes a file it was told nothing of (as a crash left it) where the open file stands', async () => {
    const file = join(dir, '1');
    writeFileSync(file, lines(0, 1_200));
    const { text, merged } = mergedHere(lines(0, 1_200));
    expect(await mergedThere(file)).toEqual({ text: `before\n${text}`, merged });
    expect(merged).toBe(600);
  });

  it('joins a live spool from the batches it was told of, under the name the spool moved to', async () => {
    const spool = join(dir, 'log.txt.spool');
    mkdirSync(spool);
    const file = join(spool, '0');
    for (const [from, to] of [
      [0, 500],
      [500, 501],
      [501, 1_200],
    ]) {
      const text = lines(from, to);
      appendFileSync(file, text);
      thread.appended(file, ownBytes(text));
    }
    const rotated = join(dir, 'log.txt.1.spool');
    renameSync(spool, rotated);
    thread.moved(spool, rotated);
    // The file changed behind the thread's back, its size kept: had the thread read it, the join would say so.
    writeFileSync(join(rotated, '0'), sameSizeOther(lines(0, 1_200)));
    const expected = mergedHere(lines(0, 1_200));
    expect(await mergedThere(join(rotated, '0'))).toEqual({
      text: `before\n${expected.text}`,
      merged: expected.merged,
    });
  });

  it('joins a live spool from batches told as numbers as it would from their lines, or reads a file it missed part of', async () => {
    const shape = { samples: 'series', labels: ['topic'] } as const;
    const numbers = new SeriesNumbers(new SampleRenderer(shape));
    const file = join(dir, '0');
    const records = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, k): MetadataRecord<number> => {
        const i = from + k;
        return {
          id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
          topic: `t${i % 3}`,
          name: 'rows',
          location: 'l',
          context: 'c',
          data: i,
          json: String(i),
          publishedAt: new Date(1_764_412_345_000 + Math.floor(i / 6) * 1000),
        };
      });
    for (const [from, to] of [
      [0, 500],
      [500, 501],
      [501, 1_200],
    ]) {
      const { families } = await renderByFamily(records(from, to), shape, () => ({
        bytes: from,
        numbers,
      }));
      const { out, header } = families.get('rows')!;
      appendFileSync(file, out.written());
      thread.numbered(file, out.written().length, numbers.batch(header));
    }
    expect(readFileSync(file, 'utf8')).toBe(lines(0, 1_200));
    // The file changed behind the thread's back, its size kept: had the thread read it, the join would say so.
    writeFileSync(file, sameSizeOther(lines(0, 1_200)));
    expect(await mergedThere(file)).toEqual({
      text: `before\n${mergedHere(lines(0, 1_200)).text}`,
      merged: 600,
    });

    // Told of a batch whose series were numbered before it knew the file (as a thread
    // started after the spool would be), and of fewer bytes than the file holds: it reads the file.
    writeFileSync(file, lines(0, 1_200));
    const { families } = await renderByFamily(records(0, 600), shape, () => ({
      bytes: 0,
      numbers,
    }));
    const { out, header } = families.get('rows')!;
    thread.numbered(file, out.written().length, numbers.batch(header));
    expect((await mergedThere(file)).merged).toBe(600);
  });

  it('reads the file when told a batch whose series it never learned, though told all its bytes', async () => {
    const file = join(dir, '0');
    writeFileSync(file, lines(0, 1_200));
    thread.numbered(file, statSync(file).size, {
      firstKey: 3,
      keys: [],
      samples: new Float64Array([0, 1_000, 1]),
    });
    const { text, merged } = mergedHere(lines(0, 1_200));
    expect(await mergedThere(file)).toEqual({ text: `before\n${text}`, merged });
  });

  it('reads the file when the batches it was told of are not all of it, or were dropped', async () => {
    const file = join(dir, '0');
    const told = lines(0, 600);
    writeFileSync(file, lines(0, 1_200));
    thread.appended(file, ownBytes(told));
    expect((await mergedThere(file)).merged).toBe(600);

    // A spool started afresh at the same path, with as many bytes as before.
    thread.appended(file, ownBytes(told));
    thread.dropped(dir);
    writeFileSync(file, sameSizeOther(told));
    const { text } = await mergedThere(file);
    expect(text).toBe(`before\n${mergedHere(sameSizeOther(told)).text}`);
  });

  it("rejects with the file system's error, and joins again after it and after close", async () => {
    await expect(mergedThere(join(dir, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
    const file = join(dir, '2');
    writeFileSync(file, lines(0, 12));
    expect((await mergedThere(file)).merged).toBe(6);
    await thread.close();
    expect((await mergedThere(file)).merged).toBe(6);
  });
});
