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
  'lone \ud800 surrogate',
  'x'.repeat(700),
);
// Around 1970 and 2000 (the format's epoch), where a double stops holding microseconds
// exactly (before 1715, after 2285), and the first and last times a record may have.
const times = [
  0,
  -1,
  946_684_799_999,
  946_684_800_000,
  1_764_412_345_123,
  Date.parse('1714-03-01T12:00:00.001Z'),
  Date.parse('2286-07-01T00:00:00.999Z'),
  Date.parse('0001-01-01T00:00:00.000Z'),
  Date.parse('9999-12-31T23:59:59.999Z'),
];
const ids = ['0190f0f0-0000-7000-8000-00000000000a', 'FFFFFFFF-ABCD-7EF0-8000-0123456789AB'];
const record = fc
  .record({
    id: fc.oneof(fc.constantFrom(...ids), fc.uuid()),
    topic: text,
    name: text,
    location: text,
    context: text,
    data: fc.oneof(fc.integer(), fc.constant({ s: 'x\\"y', t: 'ü\n' }), fc.constant('a\tb')),
    ms: fc.constantFrom(...times),
  })
  .map(({ ms, ...r }): MetadataRecord => ({
    ...r,
    json: JSON.stringify(r.data),
    publishedAt: new Date(ms),
  }));

const readable: MetadataRecord = {
  id: ids[0],
  topic: 't',
  name: 'n',
  location: 'l',
  context: 'c',
  data: 1,
  json: '1',
  publishedAt: new Date(0),
};

/** Reads COPY's binary format back into each row's fields, as PostgreSQL would. */
function readCopy(bytes: Buffer): Buffer[][] {
  expect(bytes.subarray(0, 11).toString('latin1')).toBe('PGCOPY\n\xff\r\n\0');
  expect(bytes.readInt32BE(11)).toBe(0);
  expect(bytes.readInt32BE(15)).toBe(0);
  const rows: Buffer[][] = [];
  let at = 19;
  for (;;) {
    const count = bytes.readInt16BE(at);
    at += 2;
    if (count === -1) break;
    expect(count).toBe(7);
    const row: Buffer[] = [];
    for (let f = 0; f < count; f++) {
      const length = bytes.readInt32BE(at);
      row.push(bytes.subarray(at + 4, at + 4 + length));
      at += 4 + length;
    }
    rows.push(row);
  }
  expect(at).toBe(bytes.length);
  return rows;
}

const uuidBytes = (id: string) => Buffer.from(id.replaceAll('-', ''), 'hex');
const microsecondsSince2000 = (ms: number) => (BigInt(ms) - BigInt(Date.UTC(2000, 0, 1))) * 1000n;

describe('copyRows', () => {
  it("writes each row's fields as their columns' binary forms, in chunks of whole rows", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(record, { maxLength: 40 }),
        fc.integer({ min: 1, max: 7 }),
        async (records, rowsPerChunk) => {
          const chunks: Buffer[] = [];
          for await (const chunk of copyRows(records, rowsPerChunk)) chunks.push(chunk);
          expect(chunks).toHaveLength(Math.max(1, Math.ceil(records.length / rowsPerChunk)));
          const rows = readCopy(Buffer.concat(chunks));
          expect(rows).toHaveLength(records.length);
          rows.forEach((row, i) => {
            const r = records[i];
            expect(row[0]).toEqual(uuidBytes(r.id));
            // UTF-8, as Buffer.from spells it (a lone surrogate as U+FFFD).
            expect(row.slice(1, 5)).toEqual(
              [r.topic, r.name, r.location, r.context].map((v) => Buffer.from(v)),
            );
            // jsonb: version 1, then the JSON.
            expect(row[5]).toEqual(Buffer.concat([Buffer.from([1]), Buffer.from(r.json)]));
            expect(row[6].readBigInt64BE()).toBe(microsecondsSince2000(r.publishedAt.getTime()));
          });
          // Whole rows in each chunk: the first starts with the header, the last ends the data.
          const header = chunks[0].subarray(0, 19);
          const end = Buffer.from([0xff, 0xff]);
          chunks.forEach((chunk, c) => {
            const alone = Buffer.concat([
              c === 0 ? Buffer.alloc(0) : header,
              chunk,
              c === chunks.length - 1 ? Buffer.alloc(0) : end,
            ]);
            expect(readCopy(alone)).toHaveLength(
              Math.min(rowsPerChunk, records.length - c * rowsPerChunk),
            );
          });
          expect(await copyBytes(records)).toEqual(Buffer.concat(chunks));
        },
      ),
    );
  });

  it('sends a field it cannot write as its type one byte too long, so the server refuses the row', async () => {
    const like = readable;
    const refused = [
      { ...like, id: 'not-a-uuid\nforged' },
      { ...like, id: ids[0].replaceAll('-', '') },
      { ...like, id: `{${ids[0]}}`.slice(0, 36) },
      { ...like, id: ids[0].replace('a', 'g') },
      { ...like, id: ids[0].replace('0', 'é') },
      // 32 hex digits and 4 dashes, a dash out of place.
      { ...like, id: `${ids[0].slice(0, 7)}-${ids[0].slice(7, 8)}${ids[0].slice(9)}` },
      { ...like, publishedAt: new Date(NaN) },
      { ...like, publishedAt: new Date(Date.parse('0001-01-01T00:00:00.000Z') - 1) },
      { ...like, publishedAt: new Date(Date.parse('9999-12-31T23:59:59.999Z') + 1) },
      { ...like, publishedAt: new Date(Date.parse('+010000-01-01T00:00:00.000Z')) },
      { ...like, id: 'x', publishedAt: new Date(NaN), location: 'é'.repeat(300) },
    ];
    const rows = readCopy(await copyBytes([like, ...refused]));
    expect(rows[0][0].length).toBe(16);
    expect(rows[0][6].length).toBe(8);
    const sizes = rows.slice(1).map((row) => [row[0].length, row[6].length]);
    expect(sizes).toEqual([
      [17, 8],
      [17, 8],
      [17, 8],
      [17, 8],
      [17, 8],
      [17, 8],
      [16, 9],
      [16, 9],
      [16, 9],
      [16, 9],
      [17, 9],
    ]);
  });

  it('fills the room it reserves for a row exactly when every character takes 3 bytes and both refusals are sent', async () => {
    // One row a chunk, a row bigger than twice the room a chunk starts with: the chunk grows to
    // exactly what its row reserves, so a byte too few would be lost from the data.
    const widest: MetadataRecord = {
      id: 'x',
      topic: '€'.repeat(200),
      name: '\ud800'.repeat(40),
      location: '€',
      context: '',
      data: null,
      // Not JSON: the encoder takes it as it is, and the server is never sent it here.
      json: '€€€€',
      publishedAt: new Date(NaN),
    };
    const chunks: Buffer[] = [];
    for await (const chunk of copyRows([widest, widest, widest], 1)) chunks.push(chunk);
    const rows = readCopy(Buffer.concat(chunks));
    expect(rows.map((row) => row.map((field) => field.length))).toEqual(
      Array(3).fill([17, 600, 120, 3, 0, 13, 9]),
    );
    expect(rows[1][1]).toEqual(Buffer.from(widest.topic));
    expect(rows[1][2]).toEqual(Buffer.from(widest.name));
    // The middle chunk: its row alone, in a buffer of just its size.
    expect(chunks[1].length).toBe(792);
    expect(chunks[1].buffer.byteLength).toBe(792);
  });

  it('refuses at its id a row handed over with a field that is no string', async () => {
    const like = { ...readable, location: 42 } as unknown as MetadataRecord;
    const rows = readCopy(await copyBytes([readable, like]));
    expect(rows[0][0]).toEqual(uuidBytes(readable.id));
    expect(rows[1].map((field) => field.length)).toEqual([17, 0, 0, 0, 0, 0, 9]);
  });

  it('an empty batch is the header and the end of the data', async () => {
    expect(readCopy(await copyBytes([]))).toEqual([]);
  });
});
