import fc from 'fast-check';
import {
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
        expect(batch.map((r) => renderer.render(r))).toEqual(batch.map(renderSample));
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
