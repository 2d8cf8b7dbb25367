import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { join } from 'node:path';
import { OpenMetricsSpool } from '../../../../src/lib/connectors/openmetrics/openmetrics-spool.js';
import { SeriesMergeThread } from '../../../../src/lib/connectors/openmetrics/series-merge-thread.js';
import { FamilySeries } from '../../../../src/lib/connectors/openmetrics/series-merge.mjs';
import type { SeriesMerge } from '../../../../src/lib/connectors/openmetrics/series-merge.interface.js';
import type { OpenMetricsSeriesLabel } from '../../../../src/lib/connectors/openmetrics/openmetrics-file-options.interface.js';
import type { MetadataRecord } from '../../../../src/lib/index.js';
import { CapturingLogger } from '../../../support/capturing-logger.js';
import { sampleIdsIn } from '../../../support/openmetrics-tools.js';
import { named } from '../../../support/records.js';
import { tempDirPerTest } from '../../../support/temp-dir.js';

const dir = tempDirPerTest('spool-spec');
let spoolDir: string;
let logger: CapturingLogger;
beforeEach(() => {
  spoolDir = join(dir(), 'log.txt.spool');
  logger = new CapturingLogger();
});

const read = (file: string) => readFileSync(join(spoolDir, file), 'utf8');
const idsIn = (file: string) => sampleIdsIn(join(spoolDir, file));

describe('OpenMetricsSpool', () => {
  it('appends each family to a numbered file of its own that starts with its TYPE line', async () => {
    const spool = new OpenMetricsSpool(spoolDir, false, logger);
    await spool.start('worker-1');
    const first = [...named('a_total', 2), ...named('b', 1)];
    const second = named('a_total', 3);
    await spool.append(first);
    await spool.append(second);
    await spool.close();

    expect(read('writer')).toBe('worker-1');
    expect(read('0').split('\n')[0]).toBe('# TYPE a_total gauge');
    expect(read('0').match(/^# TYPE/gm)).toHaveLength(1);
    expect(idsIn('0')).toEqual([...first.slice(0, 2), ...second].map((r) => r.id));
    expect(read('1').split('\n')[0]).toBe('# TYPE b gauge');
    expect(idsIn('1')).toEqual([first[2].id]);
    expect(spool.bytes).toBe(0);
  });

  it('counts the bytes of whole batches, which rotation is measured by', async () => {
    const spool = new OpenMetricsSpool(spoolDir, true, logger);
    await spool.start();
    await spool.append(named('a', 10));
    await spool.append(named('b', 5));
    expect(existsSync(join(spoolDir, 'writer'))).toBe(false);
    expect(spool.bytes).toBe(
      statSync(join(spoolDir, '0')).size + statSync(join(spoolDir, '1')).size,
    );
    await spool.close();
  });

  it('cuts back what a failed append left, so its retry writes each record once', async () => {
    const spool = new OpenMetricsSpool(spoolDir, false, logger);
    await spool.start();
    const first = named('a', 3);
    await spool.append(first);
    const whole = statSync(join(spoolDir, '0')).size;
    // Family b's file will be number 1: a directory there fails the append after family a's part.
    mkdirSync(join(spoolDir, '1'));
    const batch = [...named('a', 4), ...named('b', 2)];
    await expect(spool.append(batch)).rejects.toThrow(/EISDIR/);
    expect(statSync(join(spoolDir, '0')).size).toBeGreaterThan(whole);
    expect(spool.bytes).toBe(whole);

    rmSync(join(spoolDir, '1'), { recursive: true });
    await spool.append(batch);
    await spool.close();
    expect(idsIn('0')).toEqual([...first, ...batch.slice(0, 4)].map((r) => r.id));
    expect(idsIn('1')).toEqual(batch.slice(4).map((r) => r.id));
  });

  it('hands over whole batches only when moved aside after a failed append, and starts anew', async () => {
    const spool = new OpenMetricsSpool(spoolDir, false, logger);
    await spool.start('worker-1');
    const first = named('a', 3);
    await spool.append(first);
    mkdirSync(join(spoolDir, '1'));
    await expect(spool.append([...named('a', 4), ...named('b', 1)])).rejects.toThrow();
    rmSync(join(spoolDir, '1'), { recursive: true });

    const aside = join(dir(), 'log.txt.1.spool');
    await spool.moveTo(aside);
    expect(sampleIdsIn(join(aside, '0'))).toEqual(first.map((r) => r.id));
    expect(read('writer')).toBe('worker-1');
    expect(spool.bytes).toBe(0);

    const next = named('c', 1);
    await spool.append(next);
    await spool.close();
    expect(read('0').split('\n')[0]).toBe('# TYPE c gauge');
    expect(idsIn('0')).toEqual([next[0].id]);
  });

  it('starts a new spool when the live one is deleted, and logs how many records went with it', async () => {
    const spool = new OpenMetricsSpool(spoolDir, false, logger);
    await spool.start();
    await spool.append(named('a', 7));
    rmSync(spoolDir, { recursive: true });

    const after = named('a', 2);
    await spool.append(after);
    await spool.close();
    expect(logger.lines.join('\n')).toMatch(/deleted while in use: the 7 records/);
    expect(read('0').split('\n')[0]).toBe('# TYPE a gauge');
    expect(idsIn('0')).toEqual(after.map((r) => r.id));
  });

  describe('in series, with the merge thread', () => {
    let thread: SeriesMergeThread | undefined;
    afterEach(() => thread?.close());

    /** A spool in series over `labels`, and its merge thread. */
    const seriesSpool = (labels: OpenMetricsSeriesLabel[]) => {
      const merge: SeriesMerge = { rule: 'sum', keepId: labels.includes('id') };
      thread = new SeriesMergeThread(merge);
      const spool = new OpenMetricsSpool(
        spoolDir,
        false,
        logger,
        { samples: 'series', labels },
        thread,
      );
      return { spool, merge, thread };
    };

    /** Family `m` records at `locations`, one a millisecond, data 1, 2, 3… */
    const at = (...locations: string[]) =>
      named('m', locations.length).map((r, i): MetadataRecord<number> => ({
        ...r,
        location: locations[i],
        publishedAt: new Date(1_764_412_345_000 + i),
      }));

    /** The family file joined by the thread, and as reading the file joins it. */
    const joined = async (merge: SeriesMerge, thread: SeriesMergeThread) => {
      const file = join(spoolDir, '0');
      const out = join(dir(), 'out');
      const fd = openSync(out, 'w');
      try {
        await thread.mergeInto(file, fd);
      } finally {
        closeSync(fd);
      }
      const chunks: Buffer[] = [];
      new FamilySeries(merge).add(readFileSync(file)).render((c) => chunks.push(Buffer.from(c)));
      return { byThread: readFileSync(out, 'utf8'), fromFile: Buffer.concat(chunks).toString() };
    };

    it('gives the series in the order the file has them, after a batch that failed numbered others first', async () => {
      const { spool, merge, thread } = seriesSpool(['location']);
      await spool.start();
      await spool.append(at('c'));
      // Family x's file will be number 1: a directory there fails the batch, after it numbered a.
      mkdirSync(join(spoolDir, '1'));
      await expect(spool.append([...at('a'), ...named('x', 1)])).rejects.toThrow(/EISDIR/);
      rmSync(join(spoolDir, '1'), { recursive: true });
      await spool.append(at('b', 'a'));
      await spool.close();
      const { byThread, fromFile } = await joined(merge, thread);
      expect(byThread).toBe(fromFile);
      expect(byThread.match(/location="\w"/g)).toEqual([
        'location="c"',
        'location="b"',
        'location="a"',
      ]);
    });

    it('counts the bytes of lines it hands over when each record is a series (labels with id)', async () => {
      const { spool, merge, thread } = seriesSpool(['id', 'location']);
      await spool.start();
      const first = at('a', 'b');
      await spool.append(first);
      mkdirSync(join(spoolDir, '1'));
      await expect(spool.append([...at('c'), ...named('x', 1)])).rejects.toThrow(/EISDIR/);
      rmSync(join(spoolDir, '1'), { recursive: true });
      const second = at('d');
      await spool.append(second);
      expect(spool.bytes).toBe(statSync(join(spoolDir, '0')).size);
      await spool.close();
      expect(read('0').match(/^# TYPE/gm)).toHaveLength(1);
      expect(idsIn('0')).toEqual([...first, ...second].map((r) => r.id));
      const { byThread, fromFile } = await joined(merge, thread);
      expect(byThread).toBe(fromFile);
    });
  });
});
