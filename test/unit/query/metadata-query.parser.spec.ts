import { BadRequestException } from '@nestjs/common';
import { prefersOpenMetrics } from '../../../src/lib/metrics/metrics-content-type.js';
import { decodeCursor, encodeCursor } from '../../../src/lib/query/metadata-cursor.js';
import { resolveMetadataQuery } from '../../../src/lib/query/metadata-query.parser.js';

describe('resolveMetadataQuery', () => {
  it('defaults to the first 100 records, unfiltered', () => {
    expect(resolveMetadataQuery({})).toEqual({ filters: {}, limit: 100 });
    expect(resolveMetadataQuery(undefined)).toEqual({ filters: {}, limit: 100 });
  });

  it('reads query-string values and typed values alike', () => {
    const cursor = encodeCursor({
      publishedAt: '2026-11-29T09:14:22.040127Z',
      id: '5a86e118-f55a-4b86-b8c3-33b2a28624fa',
    });
    const fromText = resolveMetadataQuery({
      topic: 'imports',
      context: 'chunk 1/5',
      from: '2026-11-29',
      to: '2026-11-29T10:00:00.5+01:00',
      limit: '1000',
      cursor,
    });
    expect(fromText).toEqual({
      filters: { topic: 'imports', context: 'chunk 1/5' },
      from: new Date('2026-11-29T00:00:00Z'),
      to: new Date('2026-11-29T09:00:00.500Z'),
      after: {
        publishedAt: '2026-11-29T09:14:22.040127Z',
        id: '5a86e118-f55a-4b86-b8c3-33b2a28624fa',
      },
      limit: 1000,
    });
    const from = new Date('2026-01-01T00:00:00Z');
    expect(resolveMetadataQuery({ from, limit: 1 })).toMatchObject({ from, limit: 1 });
  });

  it.each([
    [{ from: 'yesterday' }, /'from'/],
    [{ from: '2026-02-29' }, /'from'/],
    [{ from: '2026-13-01' }, /'from'/],
    [{ from: '2026-01-01T24:00:00Z' }, /'from'/],
    [{ from: '0000-01-01' }, /'from'/],
    [{ to: '2026-01-01T10:00' }, /'to'/],
    [{ to: '1767225600000' }, /'to'/],
    [{ to: new Date(NaN) }, /'to'/],
    [{ from: '2026-01-02', to: '2026-01-02' }, /before/],
    [{ limit: 0 }, /'limit'/],
    [{ limit: 5000 }, /'limit'/],
    [{ limit: '-1' }, /'limit'/],
    [{ limit: '10abc' }, /'limit'/],
    [{ limit: 2.5 }, /'limit'/],
    [{ cursor: '' }, /'cursor'/],
    [{ cursor: 'e30' }, /'cursor'/],
    [{ name: '' }, /'name'/],
    [{ location: 'a\0b' }, /'location'/],
    [{ topic: 42 }, /'topic'/],
    [{ topic: ['a', 'b'] }, /more than once/],
    [{ offset: '10' }, /Unknown query parameter 'offset'/],
    ['topic=a', /object/],
    [{ order: 'up' }, /'order'/],
    [{ data: '{"a":' }, /'data'/],
    [{ data: '"a\\u0000b"' }, /'data'/],
    [{ data: '{"\\ud800":1}' }, /'data'/],
    [{ data: '"\\udc00"' }, /'data'/],
    [{ data: ['{}', '{}'] }, /more than once/],
    [{ data: `"${'x'.repeat(4_095)}"` }, /at most 4096/],
  ])('rejects %j with BadRequestException', (query, reason) => {
    expect(() => resolveMetadataQuery(query)).toThrow(BadRequestException);
    expect(() => resolveMetadataQuery(query)).toThrow(reason);
  });
});

describe('resolveMetadataQuery: data and order', () => {
  it('passes JSON text through for jsonb, and orders newest first only when asked', () => {
    const data = '{"table":"customers","emoji":"\\ud83d\\ude00","n":[1,2]}';
    expect(resolveMetadataQuery({ data, order: 'newest' })).toMatchObject({
      data,
      order: 'newest',
    });
    expect(resolveMetadataQuery({ order: 'oldest' }).order).toBeUndefined();
    expect(resolveMetadataQuery({ data: '5' }).data).toBe('5');
  });

  it('accepts only the parameters it is given', () => {
    expect(() => resolveMetadataQuery({ cursor: 'x' }, ['name'])).toThrow(
      "Unknown query parameter 'cursor': use 'name'.",
    );
  });
});

describe('metadata cursors', () => {
  it('round-trip, and nothing else decodes', () => {
    const cursor = {
      publishedAt: '2001-01-01T00:00:00.000400Z',
      id: '00000000-0000-4000-8000-000000000003',
    };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
    const forge = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    expect(decodeCursor(forge([cursor.publishedAt]))).toBeUndefined();
    expect(decodeCursor(forge(['2001-01-01T00:00:00Z', cursor.id]))).toBeUndefined();
    expect(decodeCursor(forge([cursor.publishedAt, "x' OR 1=1"]))).toBeUndefined();
    expect(decodeCursor(forge({ publishedAt: cursor.publishedAt, id: cursor.id }))).toBeUndefined();
    expect(decodeCursor('not base64!')).toBeUndefined();
    // Days PostgreSQL would refuse with an error: they must never reach it.
    for (const day of ['2026-02-31', '0000-01-01', '2026-13-01']) {
      expect(decodeCursor(forge([`${day}T00:00:00.000000Z`, cursor.id]))).toBeUndefined();
    }
    expect(decodeCursor(forge(['2026-01-01T25:00:00.000000Z', cursor.id]))).toBeUndefined();
  });
});

describe('prefersOpenMetrics', () => {
  it.each([
    [undefined, false],
    ['', false],
    ['*/*', false],
    ['text/plain', false],
    ['application/openmetrics-text', true],
    ['application/openmetrics-text; version=1.0.0; charset=utf-8', true],
    // What Prometheus sends.
    [
      'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
      true,
    ],
    ['text/plain;q=1, application/openmetrics-text;q=0.5', false],
    ['application/openmetrics-text;q=0', false],
    ['Application/OpenMetrics-Text', true],
  ])('%j: %s', (accept, expected) => {
    expect(prefersOpenMetrics(accept)).toBe(expected);
  });
});
