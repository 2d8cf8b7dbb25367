import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { renderByFamily } from '../../../../src/lib/connectors/openmetrics/openmetrics-format.js';
import { mergeSeries } from '../../../../src/lib/connectors/openmetrics/series-merge.mjs';
import type { OpenMetricsMergeRule } from '../../../../src/lib/connectors/openmetrics/openmetrics-file-options.interface.js';
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
      return { series: series.reverse().join(' '), value: Number(value), seconds };
    });
}

describe('mergeSeries', () => {
  it.each(['last', 'sum', 'max'] as const)(
    'gives one sample per series and millisecond, merged by %s, each series together and in time order',
    async (rule) => {
      await fc.assert(
        fc.asyncProperty(fc.array(record, { minLength: 1, maxLength: 40 }), async (batch) => {
          const { families } = await renderByFamily(batch, {
            samples: 'series',
            labels: ['topic', 'location'],
          });
          const spooled = ['# TYPE m gauge\n', ...families.get('m')!.slice(1)].join('');
          const { text, merged } = mergeSeries(spooled, { rule, keepId: false });
          const expected = new Map<string, number[]>();
          for (const r of batch) {
            const key = `${r.location}|${r.publishedAt.getTime()}`;
            expected.set(key, [...(expected.get(key) ?? []), r.data as number]);
          }
          const samples = samplesOf(text);
          expect(text.startsWith('# TYPE m gauge\n')).toBe(true);
          expect(samples).toHaveLength(expected.size);
          expect(merged).toBe(batch.length - expected.size);
          for (const s of samples) {
            expect(s.series).not.toContain('id=');
            const location = batch.find((r) =>
              s.series.includes(`location="${r.location.replace(/"/g, '\\"')}"`),
            )!.location;
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
        }),
      );
    },
  );

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

  it('writes a sum past the largest double as +Inf, as OpenMetrics spells it', () => {
    const spooled = ['a', 'b']
      .map((id) => `m{id="${id}"} 1.7976931348623157e+308 1.000\n`)
      .join('');
    expect(mergeSeries(spooled, { rule: 'sum', keepId: false }).text).toBe('m +Inf 1.000\n');
  });
});
