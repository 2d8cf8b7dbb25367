import {
  decodeRecord,
  encodeRecord,
  inspectRecord,
  readRecord,
} from '../../../src/lib/buffer/record-codec.js';
import { records } from '../../support/records.js';

describe('record codec', () => {
  it('decodes what it encodes, field for field', () => {
    const [record] = records(1);
    const text = encodeRecord({ ...record, json: '{"a":[1,"x"]}', publishedAt: new Date(1234) });
    expect(decodeRecord(text)).toEqual({
      ...record,
      json: '{"a":[1,"x"]}',
      data: { a: [1, 'x'] },
      publishedAt: new Date(1234),
    });
    expect(readRecord(text)).toEqual(decodeRecord(text));
  });

  it.each([
    ['text that is not JSON', 'notjson'],
    ['an array of numbers', '[1,2]'],
    ['null', 'null'],
    ['an object', '{}'],
    ['a time that is not a number', '["i","t","n","l","c","1","soon"]'],
    ['data that is not JSON', '["i","t","n","l","c","{",1]'],
  ])('reads %s as no record, where decodeRecord would throw or mislead', (_, text) => {
    expect(readRecord(text)).toBeUndefined();
  });

  const withTuple = (change: (tuple: unknown[]) => void) => {
    const tuple = JSON.parse(encodeRecord(records(1)[0])) as unknown[];
    change(tuple);
    return JSON.stringify(tuple);
  };

  it.each([
    ['text that is not JSON', 'notjson', 'not-json'],
    ['an object', '{}', 'not-a-record'],
    ['an id that is not a UUID', withTuple((t) => (t[0] = 'x')), 'bad-id'],
    ['a time past the year 9999', withTuple((t) => (t[6] = 253402300800000)), 'bad-time'],
    ['a time before the year 1', withTuple((t) => (t[6] = -62135596800001)), 'bad-time'],
    ['a time no Date holds', withTuple((t) => (t[6] = 1e300)), 'bad-time'],
    ['data that is not JSON', withTuple((t) => (t[5] = '{')), 'bad-data'],
  ])('says why %s is no record', (_, text, fault) => {
    expect(inspectRecord(text)).toEqual({ fault });
    expect(readRecord(text)).toBeUndefined();
  });

  it('takes the first and the last millisecond of the years 1 to 9999, and an id in capitals', () => {
    for (const time of [-62135596800000, 253402300799999]) {
      expect(inspectRecord(withTuple((t) => (t[6] = time)))).toHaveProperty('record');
    }
    const upper = withTuple((t) => (t[0] = (t[0] as string).toUpperCase()));
    expect(inspectRecord(upper)).toHaveProperty('record');
  });
});
