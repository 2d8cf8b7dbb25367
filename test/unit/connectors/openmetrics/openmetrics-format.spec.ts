import fc from 'fast-check';
import {
  renderByFamily,
  renderSample,
  SampleRenderer,
} from '../../../../src/lib/connectors/openmetrics/openmetrics-format.js';
import type { MetadataRecord } from '../../../../src/lib/index.js';

const label = fc.constantFrom('db', 'a "quoted" \\ value', 'new\nline', '');
const record = fc
  .record({
    topic: label,
    location: label,
    context: label,
    data: fc.oneof(fc.integer(), fc.constant({ s: 'x"y' })),
    ms: fc.constantFrom(0, 1, 1_764_412_345_123, -1),
  })
  .map(({ ms, ...r }): MetadataRecord => ({
    ...r,
    id: '00000000-0000-4000-8000-000000000000',
    name: 'm',
    json: JSON.stringify(r.data),
    publishedAt: new Date(ms),
  }));

describe('SampleRenderer', () => {
  it('renders a batch exactly as each record alone, though it reuses what repeats', () => {
    fc.assert(
      fc.property(fc.array(record, { maxLength: 30 }), (batch) => {
        const renderer = new SampleRenderer();
        expect(batch.map((r) => renderer.render(r))).toEqual(batch.map((r) => renderSample(r)));
      }),
    );
  });

  it('escapes exactly backslash, double quote and newline in label values', () => {
    const [r] = fc.sample(record, 1);
    const sample = renderSample({ ...r, location: 'a\\b"c\nd', publishedAt: new Date(-1) });
    expect(sample).toContain('location="a\\\\b\\"c\\nd"');
    expect(sample.trimEnd().endsWith(' -0.001')).toBe(true);
  });
});

describe('samples in series', () => {
  const [r] = fc.sample(record, 1);
  const numeric = { ...r, data: 7, json: '7', topic: 't', location: 'l', context: 'c' };

  it('labels a sample with its id first, then only the chosen labels', () => {
    expect(renderSample(numeric, { samples: 'series', labels: ['location', 'topic'] })).toBe(
      `m{id="${r.id}",topic="t",location="l"} 7 ${renderSample(numeric).split(' ').pop()}`,
    );
    expect(renderSample(numeric, { samples: 'series', labels: ['context'] })).toMatch(
      /^m\{id="[^"]+",context="c"\} 7 /,
    );
  });

  it('renders no sample for non-numeric data, and counts the record as not written', async () => {
    const text = { ...numeric, data: 'ok', json: '"ok"' };
    expect(renderSample(text, { samples: 'series', labels: ['topic'] })).toBe('');
    const { families, notWritten } = await renderByFamily([numeric, text, text], {
      samples: 'series',
      labels: ['topic'],
    });
    expect(notWritten).toBe(2);
    expect(families.get('m')).toHaveLength(2);
  });
});
