import fc from 'fast-check';
import type { MetadataRecord } from '../../../src/lib/index.js';
import { copyBytes, copyRows } from '../../../src/lib/store/copy-rows.js';

const text = fc.constantFrom(
  'db',
  'tab\there',
  'back\\slash',
  'new\nline\r\n',
  'carriage\rreturn',
  '',
  'café\t"é"\n',
  '🙂\\',
  'x'.repeat(700),
);
const record = fc
  .record({
    topic: text,
    name: text,
    location: text,
    context: text,
    data: fc.oneof(fc.integer(), fc.constant({ s: 'x\\"y', t: 'ü\n' }), fc.constant('a\tb')),
    ms: fc.constantFrom(0, 1_764_412_345_123, 1_764_412_345_124, -1, NaN),
  })
  .map(({ ms, ...r }): MetadataRecord => ({
    ...r,
    id: '0190f0f0-0000-7000-8000-000000000000',
    json: JSON.stringify(r.data),
    publishedAt: new Date(ms),
  }));

/** A row as COPY's text format spells it, put together the plain way. */
function expectedRow(r: MetadataRecord): string {
  const escape = (v: string) =>
    v.replace(/[\\\n\r\t]/g, (c) => ({ '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' })[c]!);
  const time = Number.isNaN(r.publishedAt.getTime()) ? 'invalid' : r.publishedAt.toISOString();
  return `${[r.id, r.topic, r.name, r.location, r.context, r.json].map(escape).join('\t')}\t${time}\n`;
}

describe('copyRows', () => {
  it('writes each row as the plain text would spell it, in chunks of whole rows', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(record, { maxLength: 40 }),
        fc.integer({ min: 1, max: 7 }),
        async (records, rowsPerChunk) => {
          const chunks: Buffer[] = [];
          for await (const chunk of copyRows(records, rowsPerChunk)) chunks.push(chunk);
          expect(chunks).toHaveLength(Math.ceil(records.length / rowsPerChunk));
          const rows = records.map(expectedRow);
          chunks.forEach((chunk, c) => {
            const mine = rows.slice(c * rowsPerChunk, (c + 1) * rowsPerChunk).join('');
            expect(chunk.toString('utf8')).toBe(mine);
          });
          expect((await copyBytes(records)).toString('utf8')).toBe(rows.join(''));
        },
      ),
    );
  });
});
