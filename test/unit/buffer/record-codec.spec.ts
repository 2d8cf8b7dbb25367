import {
  decodeRecord,
  encodedRecordId,
  encodeRecord,
  readRecord,
} from '../../../src/lib/buffer/record-codec.js';
import { records } from '../../support/records.js';

describe('record codec', () => {
  it('decodes what it encodes, field for field, and names the id without decoding', () => {
    const [record] = records(1);
    const text = encodeRecord({ ...record, json: '{"a":[1,"x"]}', publishedAt: new Date(1234) });
    expect(decodeRecord(text)).toEqual({
      ...record,
      json: '{"a":[1,"x"]}',
      data: { a: [1, 'x'] },
      publishedAt: new Date(1234),
    });
    expect(readRecord(text)).toEqual(decodeRecord(text));
    expect(encodedRecordId(text)).toBe(record.id);
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
});
