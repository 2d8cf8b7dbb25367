import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import {
  renderByFamily,
  SampleRenderer,
} from '../../../../src/lib/connectors/openmetrics/openmetrics-format.js';
import { FamilySeries } from '../../../../src/lib/connectors/openmetrics/series-merge.mjs';
import type { OpenMetricsMergeRule } from '../../../../src/lib/connectors/openmetrics/openmetrics-file-options.interface.js';
import type { SeriesMerge } from '../../../../src/lib/connectors/openmetrics/series-merge.interface.js';
import { SeriesNumbers } from '../../../../src/lib/connectors/openmetrics/series-numbers.js';
import type { OpenMetricsSeriesLabel } from '../../../../src/lib/connectors/openmetrics/openmetrics-file-options.interface.js';
import type { MetadataRecord } from '../../../../src/lib/index.js';

const record = fc
  .record({
    location: fc.constantFrom('db', 'a "quoted" } value', 'x y'),
    context: fc.constantFrom('c1', 'c2'),
    data: fc.oneof(
      fc.integer({ min: -1000, max: 1000 }),
      fc.double({ min: -1e6, max: 1e6, noNaN: true }).map((d) => (d === 0 ? 0 : d)),
    ),
    ms: fc.constantFrom(1_764_412_345_123, 1_764_412_345_124, 1_764_412_345_000),
  })
  .map(({ ms, ...r }): MetadataRecord => ({
    ...r,
    id: randomUUID(),
    topic: 't',
    name: 'm',
    json: JSON.stringify(r.data),
    publishedAt: new Date(ms),
  }));

/** The rule, applied to the values of one series and millisecond in the order they were written. */
const oracle: Record<OpenMetricsMergeRule, (values: number[]) => number> = {
  last: (values) => values[values.length - 1],
  sum: (values) => values.reduce((a, b) => a + b),
  max: (values) => Math.max(...values),
};

/** The samples of a merged family: series, value, timestamp. */
function samplesOf(text: string) {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [seconds, value, ...series] = line.split(' ').reverse();
      return { series: series.reverse().join(' '), value: Number(value), text: value, seconds };
    });
}

/** `spooled` taken in whole (or batch by batch) and rendered: the family's text, and how many merged. */
function mergeSeries(spooled: string | string[], merge: SeriesMerge) {
  const family = new FamilySeries(merge);
  for (const batch of [spooled].flat()) family.add(Buffer.from(batch));
  const chunks: Buffer[] = [];
  // Each chunk is reused once the callback returns: copied here.
  const merged = family.render((chunk) => chunks.push(Buffer.from(chunk)));
  return { text: Buffer.concat(chunks).toString('utf8'), merged, chunks: chunks.length };
}

/** The spooled text of a batch of one family `m`, its TYPE line first. */
async function spooledOf(batch: MetadataRecord[]): Promise<string> {
  const { families } = await renderByFamily(
    batch,
    { samples: 'series', labels: ['topic', 'location'] },
    () => ({ bytes: 0 }),
  );
  return families.get('m')!.out.written().toString('utf8');
}

/** Checks `text` is `batch` merged by `rule`: one sample per series and millisecond, each series together and in time order. */
function expectMerged(
  batch: MetadataRecord[],
  rule: OpenMetricsMergeRule,
  text: string,
  merged: number,
) {
  const expected = new Map<string, number[]>();
  for (const r of batch) {
    const key = `${r.location}|${r.publishedAt.getTime()}`;
    expected.set(key, [...(expected.get(key) ?? []), r.data as number]);
  }
  const samples = samplesOf(text);
  expect(text.startsWith('# TYPE m gauge\n')).toBe(true);
  expect(samples).toHaveLength(expected.size);
  expect(merged).toBe(batch.length - expected.size);
  const locations = [...new Set(batch.map((r) => r.location))];
  for (const s of samples) {
    expect(s.series).not.toContain('id=');
    const location = locations.find((l) =>
      s.series.includes(`location="${l.replace(/"/g, '\\"')}"`),
    )!;
    const ms = Math.round(Number(s.seconds) * 1000);
    expect(s.value).toBe(oracle[rule](expected.get(`${location}|${ms}`)!));
  }
  // Each series in one run of lines, its timestamps rising.
  const seen = new Set<string>();
  samples.forEach((s, i) => {
    const previous = samples[i - 1];
    if (previous?.series === s.series) {
      expect(Number(s.seconds)).toBeGreaterThan(Number(previous.seconds));
    } else {
      expect(seen.has(s.series)).toBe(false);
      seen.add(s.series);
    }
  });
}

describe('FamilySeries', () => {
  it.each(['last', 'sum', 'max'] as const)(
    'gives one sample per series and millisecond, merged by %s, each series together and in time order',
    async (rule) => {
      await fc.assert(
        fc.asyncProperty(fc.array(record, { minLength: 1, maxLength: 40 }), async (batch) => {
          const { text, merged } = mergeSeries(await spooledOf(batch), { rule, keepId: false });
          expectMerged(batch, rule, text, merged);
        }),
      );
    },
  );

  it.each(['last', 'sum', 'max'] as const)(
    'gives the same family, merged by %s, whether taken in whole or batch by batch, out of time order across batches',
    async (rule) => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.array(record, { minLength: 1, maxLength: 10 }), {
            minLength: 1,
            maxLength: 5,
          }),
          async (batches) => {
            const spooled = await spooledOf(batches.flat());
            const [first, ...rest] = await Promise.all(batches.map(spooledOf));
            // The TYPE line opens the family file once: a later batch has none.
            const later = rest.map((text) => text.slice(text.indexOf('\n') + 1));
            const whole = mergeSeries(spooled, { rule, keepId: false });
            const fed = mergeSeries([first, ...later], { rule, keepId: false });
            expect(fed.text).toBe(whole.text);
            expect(fed.merged).toBe(whole.merged);
          },
        ),
      );
    },
  );

  it.each([
    [[]],
    [['topic', 'location']],
    [['context']],
    [['location', 'context', 'topic']],
  ] as const)(
    'gives the same family from its samples as numbers as from their lines, labels %j',
    async (labels: readonly OpenMetricsSeriesLabel[]) => {
      const shape = { samples: 'series', labels } as const;
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.array(record, { minLength: 1, maxLength: 10 }), {
            minLength: 1,
            maxLength: 5,
          }),
          fc.constantFrom('last', 'sum', 'max' as const),
          async (batches, rule) => {
            const numbers = new SeriesNumbers(new SampleRenderer(shape));
            const fromLines = new FamilySeries({ rule, keepId: false });
            const fromNumbers = new FamilySeries({ rule, keepId: false });
            for (const [i, batch] of batches.entries()) {
              const { families } = await renderByFamily(batch, shape, () => ({
                bytes: i === 0 ? 0 : 1,
                numbers,
              }));
              const { out, header } = families.get('m')!;
              fromLines.add(out.written());
              expect(fromNumbers.addNumbered(numbers.batch(header))).toBe(true);
            }
            const rendered = (family: FamilySeries) => {
              const chunks: Buffer[] = [];
              const merged = family.render((c) => chunks.push(Buffer.from(c)));
              return { text: Buffer.concat(chunks).toString('utf8'), merged };
            };
            expect(rendered(fromNumbers)).toEqual(rendered(fromLines));
          },
        ),
      );
    },
  );

  it('hands a family bigger than a chunk on in several, each sample whole once joined', async () => {
    // 30,000 records over 40 series, two to a series and millisecond: 1.5 MB of output, more than a chunk (1 MiB).
    const batch = Array.from({ length: 30_000 }, (_, i): MetadataRecord => ({
      id: randomUUID(),
      topic: 't',
      name: 'm',
      location: `location ${i % 40} with a label value long enough to fill chunks`,
      context: 'c',
      data: i * 1.5,
      json: JSON.stringify(i * 1.5),
      publishedAt: new Date(1_764_412_345_000 + Math.floor(i / 80)),
    }));
    const { text, merged, chunks } = mergeSeries(await spooledOf(batch), {
      rule: 'sum',
      keepId: false,
    });
    expect(chunks).toBeGreaterThan(1);
    expectMerged(batch, 'sum', text, merged);
  });

  it('reads a time written otherwise than the spool writes it as the number it is', () => {
    const spooled = ['1.5', '2', '-0.001', '1e3', '0.0005', '12.3456']
      .map((t, i) => `m{id="${randomUUID()}"} ${i} ${t}\n`)
      .join('');
    expect(mergeSeries(spooled, { rule: 'last', keepId: false }).text).toBe(
      ['m 2 -0.001', 'm 4 0.001', 'm 0 1.500', 'm 1 2.000', 'm 5 12.346', 'm 3 1000.000', ''].join(
        '\n',
      ),
    );
  });

  it('writes each value as it was spooled, whether it is kept as a number or as its text', () => {
    const values = [
      '-0',
      '007',
      '1.50',
      '-12',
      '0',
      '123456789012345',
      '1234567890123456',
      '1e+21',
      '2.5',
      'NaN',
      '+Inf',
    ];
    const spooled = values
      .map((value, i) => `m{id="${randomUUID()}",location="l${i}"} ${value} 1.000\n`)
      .join('');
    expect(
      samplesOf(mergeSeries(spooled, { rule: 'last', keepId: false }).text).map((s) => s.text),
    ).toEqual(values);
  });

  it('takes a line with no id where the spool puts it as a series as it stands', () => {
    const spooled = 'm 1 1.000\nm{a="x"} 2 1.000\nm{id="broken 3 1.000\n';
    expect(mergeSeries(spooled, { rule: 'last', keepId: false }).text).toBe(spooled);
  });

  it('keeps apart two series whose keys share a hash', () => {
    // m{location="1pf8x"} and m{location="irj6x"} have the same 32-bit FNV-1a hash (found by search).
    const spooled = ['1pf8x', 'irj6x', '1pf8x']
      .map((l, i) => `m{id="${randomUUID()}",location="${l}"} ${i + 1} 1.000\n`)
      .join('');
    expect(mergeSeries(spooled, { rule: 'sum', keepId: false })).toMatchObject({
      text: 'm{location="1pf8x"} 4 1.000\nm{location="irj6x"} 2 1.000\n',
      merged: 1,
    });
  });

  it('keeps the id label when it is one of the series labels, and drops a lone id with its braces', () => {
    const id = randomUUID();
    const spooled = `# TYPE m gauge\nm{id="${id}",topic="t"} 1 1.000\n`;
    expect(mergeSeries(spooled, { rule: 'last', keepId: true }).text).toContain(
      `m{id="${id}",topic="t"} 1 1.000`,
    );
    expect(mergeSeries(spooled, { rule: 'last', keepId: false }).text).toContain(
      'm{topic="t"} 1 1.000',
    );
    expect(mergeSeries(`m{id="${id}"} 2 1.000\n`, { rule: 'last', keepId: false }).text).toBe(
      'm 2 1.000\n',
    );
  });

  it('writes times before 1970 as the spool does, each series still in time order', async () => {
    const at = [-1_500, 1_000, -999, -1_500, 0, -1];
    const batch = at.map((ms, i): MetadataRecord => ({
      id: randomUUID(),
      topic: 't',
      name: 'm',
      location: 'db',
      context: 'c',
      data: i,
      json: String(i),
      publishedAt: new Date(ms),
    }));
    const { text } = mergeSeries(await spooledOf(batch), { rule: 'last', keepId: false });
    expect(samplesOf(text).map((s) => `${s.value} ${s.seconds}`)).toEqual([
      '3 -1.500',
      '2 -0.999',
      '5 -0.001',
      '4 0.000',
      '1 1.000',
    ]);
  });

  it('writes a sum past the largest double as +Inf, as OpenMetrics spells it', () => {
    const spooled = ['a', 'b']
      .map((id) => `m{id="${id}"} 1.7976931348623157e+308 1.000\n`)
      .join('');
    expect(mergeSeries(spooled, { rule: 'sum', keepId: false }).text).toBe('m +Inf 1.000\n');
  });
});
