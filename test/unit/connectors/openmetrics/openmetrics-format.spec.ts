import fc from 'fast-check';
import {
  perRecordShape,
  renderByFamily,
  SampleRenderer,
  type SampleShape,
} from '../../../../src/lib/connectors/openmetrics/openmetrics-format.js';
import { SampleBytes } from '../../../../src/lib/connectors/openmetrics/sample-bytes.mjs';
import type { MetadataRecord } from '../../../../src/lib/index.js';

/** One record's sample line, as text; empty when it has none. */
function renderSample(record: MetadataRecord, shape: SampleShape = perRecordShape): string {
  const renderer = new SampleRenderer(shape);
  if (!renderer.writes(record)) return '';
  const out = new SampleBytes(16);
  renderer.render(record, out);
  return out.written().toString('utf8');
}

const label = fc.constantFrom('db', 'a "quoted" \\ value', 'new\nline', '', 'café "é"\n', '🙂');
const record = fc
  .record({
    topic: label,
    location: label,
    context: label,
    data: fc.oneof(
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.constant({ s: 'x"y', t: 'ü\n' }),
    ),
    ms: fc.constantFrom(0, 1, 1_764_412_345_123, -1, -1_000, -1_001, 999),
  })
  .map(({ ms, ...r }): MetadataRecord => ({
    ...r,
    id: '00000000-0000-4000-8000-000000000000',
    name: 'm',
    json: JSON.stringify(r.data),
    publishedAt: new Date(ms),
  }));

/** The sample line as text, put together the plain way: what the renderer's bytes must spell. */
function expectedLine(r: MetadataRecord): string {
  const escape = (v: string) =>
    v.replace(/[\\"\n]/g, (c) => ({ '\\': '\\\\', '"': '\\"', '\n': '\\n' })[c]!);
  const ms = r.publishedAt.getTime();
  const seconds = `${ms < 0 ? '-' : ''}${Math.floor(Math.abs(ms) / 1000)}.${String(Math.abs(ms) % 1000).padStart(3, '0')}`;
  const numeric = typeof r.data === 'number';
  const data = numeric ? '' : `,data="${escape(r.json)}"`;
  return `${r.name}{id="${r.id}",topic="${escape(r.topic)}",location="${escape(r.location)}",context="${escape(r.context)}"${data}} ${numeric ? r.json : '1'} ${seconds}\n`;
}

describe('SampleRenderer', () => {
  it('writes each sample as the plain text would spell it, and a batch as its samples one after another', () => {
    fc.assert(
      fc.property(fc.array(record, { maxLength: 30 }), (batch) => {
        const renderer = new SampleRenderer();
        const out = new SampleBytes(16);
        for (const r of batch) renderer.render(r, out);
        expect(batch.map((r) => renderSample(r))).toEqual(batch.map(expectedLine));
        expect(out.written().toString('utf8')).toBe(batch.map(expectedLine).join(''));
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
    const { families, notWritten } = await renderByFamily(
      [numeric, text, text],
      { samples: 'series', labels: ['topic'] },
      () => ({ bytes: 1 }),
    );
    expect(notWritten).toBe(2);
    expect(families.get('m')!.out.written().toString('utf8')).toBe(
      renderSample(numeric, { samples: 'series', labels: ['topic'] }),
    );
  });
});

describe('renderByFamily', () => {
  it('renders a big batch at most 500 samples a turn of the event loop, every sample once', async () => {
    const [r] = fc.sample(record, 1);
    const batch = Array.from({ length: 5_000 }, (_, i) => ({ ...r, data: i, json: String(i) }));
    // Turns the event loop makes while the batch renders: a host's requests are served in them.
    let turns = 0;
    let rendering = true;
    const turn = () => {
      turns++;
      if (rendering) setImmediate(turn);
    };
    setImmediate(turn);
    const { families } = await renderByFamily(batch, perRecordShape, () => ({ bytes: 1 }));
    rendering = false;
    // At most 500 samples a turn (a slice of 2,500 held a host's loop 3 ms and more).
    expect(turns).toBeGreaterThanOrEqual(5_000 / 500 - 1);
    expect(families.get('m')!.out.written().toString('utf8')).toBe(
      batch.map(expectedLine).join(''),
    );
  });
});
