import { isRecordId, newRecordId } from '../../../src/lib/record/record-id.js';

describe('newRecordId', () => {
  it('makes version 7 UUIDs, each once, across refills of its random bytes', () => {
    const ms = Date.UTC(2026, 11, 7, 3, 0, 0, 123);
    const ids = Array.from({ length: 10_000 }, () => newRecordId(ms));
    for (const id of ids) {
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(isRecordId(id)).toBe(true);
    }
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('begins with the time in milliseconds, so ids made later sort later', () => {
    // Times whose 48 bits fill every byte, one at 2^32 ms and more, before and after 2038.
    const times = [
      0,
      1,
      0xffff,
      0x1_0000,
      2 ** 32 - 1,
      2 ** 32,
      Date.UTC(2026, 11, 7),
      2 ** 48 - 1,
    ];
    for (const ms of times) {
      const id = newRecordId(ms);
      expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(ms);
    }
    const ids = times.map((ms) => newRecordId(ms));
    expect([...ids].sort()).toEqual(ids);
  });

  it('uses every hex digit in every random position', () => {
    const seen = Array.from({ length: 36 }, () => new Set<string>());
    for (let i = 0; i < 2_000; i++)
      [...newRecordId(1_700_000_000_000)].forEach((c, at) => seen[at].add(c));
    // 18 of the 32 digits are random: not the 12 of the time, the version digit and the variant's two bits.
    const fixed = new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 18, 19, 23]);
    seen.forEach((digits, at) => {
      if (!fixed.has(at)) expect(digits.size).toBe(16);
    });
    expect([...seen[14]]).toEqual(['7']);
    expect([...seen[19]].sort()).toEqual(['8', '9', 'a', 'b']);
  });
});
