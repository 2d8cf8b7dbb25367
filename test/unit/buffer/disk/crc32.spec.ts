import { randomBytes } from 'node:crypto';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { crc32 } from '../../../../src/lib/buffer/disk/crc32.js';

describe('crc32', () => {
  it("gives zlib's CRC-32 over any range of a buffer, whatever its length and alignment", () => {
    const bytes = randomBytes(4_096);
    for (let length = 0; length <= 1_000; length++) {
      const start = length % 13;
      const range = bytes.subarray(start, start + length);
      expect(crc32(bytes, start, start + length)).toBe(zlibCrc32(range));
    }
    expect(crc32(bytes, 0, bytes.length)).toBe(zlibCrc32(bytes));
  });
});
